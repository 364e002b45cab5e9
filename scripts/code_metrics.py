"""Print the size of crmctl's modules and functions: the longest modules, median and p90.

    python scripts/code_metrics.py [PACKAGE_DIR] [--top N]

A function's length is its lines from ``def`` to its last statement, decorators and
docstring included, nested functions counted on their own as well as inside their parent.
Migrations are left out: they are data written once, not code that grows.
"""

from __future__ import annotations

import argparse
import ast
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "crmctl"


def modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def function_lengths(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lengths = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lengths.append((node.end_lineno or node.lineno) - start + 1)
    return lengths


def percentile(values: list[int], share: float) -> int:
    """The smallest value with at least ``share`` of the values at or below it."""
    ordered = sorted(values)
    index = max(0, -(-len(ordered) * share // 1) - 1)
    return ordered[int(index)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    paths = modules(args.root)
    sizes = sorted(((line_count(p), p) for p in paths), reverse=True)
    lengths = [n for p in paths for n in function_lengths(p)]
    base = args.root.parent
    print(f"modules: {len(paths)}, lines: {sum(n for n, _ in sizes)}")
    print(f"modules over 600 lines: {sum(1 for n, _ in sizes if n > 600)}")
    print("longest modules:")
    for lines, path in sizes[: args.top]:
        print(f"  {lines:5d}  {path.relative_to(base)}")
    print(f"functions: {len(lengths)}")
    print(f"function length median: {statistics.median(lengths):g} lines")
    print(f"function length p90: {percentile(lengths, 0.9)} lines")
    print(f"function length max: {max(lengths)} lines")


if __name__ == "__main__":
    main()
