"""Reports: set-based queries that return a ``ReportResult``, and its renderers."""
