"""crmctl: the command-line CRM for Czech small and mid-sized firms."""

# The single source of the version (pyproject reads it): `--version` needs no metadata scan.
__version__ = "0.1.0"
