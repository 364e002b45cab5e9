"""Spreadsheet imports: the run, the row writer, the resumable state and the undo."""
