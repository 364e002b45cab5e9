"""crmctl.mail is a library: no services, no database, no CLI behind it."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("charsets", "html", "inquiry", "memory", "pairing", "parse", "settings", "sources")


def test_mail_imports_no_services_database_or_cli() -> None:
    imports = "; ".join(f"import crmctl.mail.{name}" for name in MODULES)
    check = (
        "import sys; bad = sorted(m for m in sys.modules if m.startswith("
        "('crmctl.services', 'crmctl.cli', 'crmctl.db', 'sqlalchemy', 'typer'))); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"{imports}; {check}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
