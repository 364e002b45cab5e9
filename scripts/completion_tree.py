"""Write crmctl/completion/tree.json from the typer app (run after changing commands)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crmctl.cli import app
from crmctl.cli.completion_tree import command_tree
from crmctl.completion.engine import TREE_FILE


def main() -> None:
    text = json.dumps(command_tree(app), ensure_ascii=False, sort_keys=True) + "\n"
    TREE_FILE.write_text(text, encoding="utf-8")
    print(f"{TREE_FILE}: {len(text)} characters")


if __name__ == "__main__":
    main()
