"""The ``crmctl`` console script (and ``python -m crmctl``).

A shell's completion request (``_CRMCTL_COMPLETE`` set by the script that
``crmctl completion bash|zsh|fish`` prints) is answered here from the standard library
alone, before the CLI, typer and SQLAlchemy are imported (~300 ms a Tab would otherwise
wait); everything else goes to the typer app as before.
"""

import os
import sys
from typing import Any

COMPLETE_ENV = "_CRMCTL_COMPLETE"


def main(*args: Any, **kwargs: Any) -> Any:
    if os.environ.get(COMPLETE_ENV):
        return _complete(sys.argv[1:])
    from crmctl.cli import app  # noqa: PLC0415  (not imported for a completion request)

    return app(*args, **kwargs)


def _complete(words: list[str]) -> int:
    try:
        from crmctl.completion.engine import complete  # noqa: PLC0415  (completion only)

        candidates = complete(words, shell=os.environ[COMPLETE_ENV])
        if candidates:
            sys.stdout.write("\n".join(candidates) + "\n")
    except Exception:  # a Tab never prints an error into the user's command line
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(prog_name="crmctl"))
