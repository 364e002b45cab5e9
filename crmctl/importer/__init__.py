"""Spreadsheet import: readers (xlsx, csv, vcf), header mapping, row normalising.

The pipeline is ``readers`` → ``mapping`` → ``rows`` → ``crmctl.services.imports.run``
(dedup and the set-based write with its events). Only the service touches the database.
"""
