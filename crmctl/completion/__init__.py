"""Shell completion that answers before the CLI is imported.

A completion runs a fresh ``crmctl`` process on every Tab; importing typer and
SQLAlchemy alone costs ~300 ms, more than a person notices. So the console script
(``crmctl.__main__``) hands a completion request to ``engine`` before anything heavy is
imported: the command tree comes from ``tree.json`` (generated from the typer app,
shipped with the package, kept in step by tests/cli/test_completion.py) and values from
the database are read with the standard library (``values``). Standard library only in
this package: nothing here may import typer, SQLAlchemy or the rest of crmctl.
"""
