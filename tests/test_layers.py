"""The package's import graph keeps its layers: no import climbs one, no circle crosses folders.

Every module under ``crmctl/`` is parsed with ``ast`` and every import counts, including the
ones inside functions and under ``TYPE_CHECKING`` (a late import still ties two layers
together; it only hides the tie from the start-up profile). Run this file as a script
(``python tests/test_layers.py``) to print the findings without pytest.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crmctl"

# Lower numbers sit lower: a module may import its own layer and the ones below it.
# Top-level modules (errors, clock, text, render, …) are the base every layer may use.
LAYERS: dict[str, int] = {
    "": 0,
    "completion": 0,
    "db": 1,
    "query": 2,
    # The entity registry declares tables and filter fields; query derives from it.
    "entities": 2,
    "importer": 2,
    "mail": 2,
    "notify": 2,
    "services": 3,
    "workflows": 4,
    "reports": 4,
    "cli": 5,
}
# A top-level module that presents a service's result sits with the other presenters.
# ``crmctl.__main__`` is the console script: it starts the CLI (or, for a shell's Tab, the
# stdlib-only completion engine, ``completion``, which sits at the bottom with the base).
TOP_LEVEL_LAYERS: dict[str, str] = {"ics": "reports", "__main__": "cli"}

# Imports that climb today, each with who removes it (none left).
ALLOWED_CLIMBS: dict[tuple[str, str], str] = {}
# Imports that close a circle across folders today, left to whoever owns the file.
ALLOWED_CIRCLE_EDGES: dict[tuple[str, str], str] = {}


def module_paths() -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        paths[".".join(parts)] = path
    return paths


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, path: Path, node: ast.AST, known: set[str]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        prefix = _absolute(module, path.name == "__init__.py", node)
        # ``from crmctl.services import policy`` imports the module ``policy``.
        names = [
            f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names
        ]
    else:
        return
    for name in names:
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in known and name != module:
            yield name


def import_graph() -> dict[str, set[str]]:
    paths = module_paths()
    known = set(paths)
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            graph[name].update(_targets(name, path, node, known))
    return graph


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return ""
    if len(parts) == 2 and not (PACKAGE / parts[1]).is_dir():
        return TOP_LEVEL_LAYERS.get(parts[1], "")
    return parts[1]


def folder_of(module: str, paths: dict[str, Path]) -> str:
    return str(paths[module].parent.relative_to(PACKAGE.parent))


def layer_climbs(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            if (source, target) in ALLOWED_CLIMBS:
                continue
            if LAYERS[layer_of(target)] > LAYERS[layer_of(source)]:
                found.append(f"{source} ({layer_of(source)}) imports {target} ({layer_of(target)})")
    return found


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a deep graph cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return [component for component in components if len(component) > 1]


def import_circles(graph: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """Circles as (across folders, inside one folder); the allowed climbs are left out."""
    paths = module_paths()
    allowed = ALLOWED_CLIMBS.keys() | ALLOWED_CIRCLE_EDGES.keys()
    pruned = {
        source: {t for t in targets if (source, t) not in allowed}
        for source, targets in graph.items()
    }
    across, inside = [], []
    for component in _strongly_connected(pruned):
        folders = {folder_of(module, paths) for module in component}
        text = " ↔ ".join(component) + f"  [{', '.join(sorted(folders))}]"
        (across if len(folders) > 1 else inside).append(text)
    return sorted(across), sorted(inside)


def report() -> str:
    graph = import_graph()
    climbs = layer_climbs(graph)
    across, inside = import_circles(graph)
    lines = [f"layer-climbing imports: {len(climbs)}", *(f"  {c}" for c in climbs)]
    lines.append(f"import circles across folders: {len(across)}")
    lines += [f"  {c}" for c in across]
    lines.append(f"import circles inside one folder: {len(inside)}")
    lines += [f"  {c}" for c in inside]
    lines.append(f"allowed climbs (owned by another branch): {len(ALLOWED_CLIMBS)}")
    lines += [f"  {s} → {t}: {who}" for (s, t), who in ALLOWED_CLIMBS.items()]
    lines.append(f"allowed circle edges (owned by another branch): {len(ALLOWED_CIRCLE_EDGES)}")
    lines += [f"  {s} → {t}: {who}" for (s, t), who in ALLOWED_CIRCLE_EDGES.items()]
    return "\n".join(lines)


def test_every_folder_has_a_layer() -> None:
    unknown = sorted({layer_of(m) for m in module_paths()} - set(LAYERS))
    assert not unknown, f"give these folders a layer in tests/test_layers.py: {unknown}"


def test_no_import_climbs_a_layer() -> None:
    climbs = layer_climbs(import_graph())
    print(report())
    assert not climbs, "imports that climb a layer:\n" + "\n".join(climbs)


def test_no_import_circle_crosses_folders() -> None:
    across, _ = import_circles(import_graph())
    print(report())
    assert not across, "import circles across folders:\n" + "\n".join(across)


def test_allowed_climbs_still_exist() -> None:
    # An allowance whose import is gone must go too, or it would hide the next one.
    graph = import_graph()
    allowed = [*ALLOWED_CLIMBS, *ALLOWED_CIRCLE_EDGES]
    stale = [pair for pair in allowed if pair[1] not in graph.get(pair[0], set())]
    assert not stale, f"remove these from ALLOWED_CLIMBS: {stale}"


def test_the_checker_sees_function_level_imports(tmp_path: Path) -> None:
    source = "def late():\n    from crmctl.services.context import Context\n"
    tree = ast.parse(source)
    known = {"crmctl.notify.x", "crmctl.services.context"}
    found = {
        t
        for node in ast.walk(tree)
        for t in _targets("crmctl.notify.x", tmp_path / "x.py", node, known)
    }
    assert found == {"crmctl.services.context"}
    assert layer_climbs({"crmctl.notify.x": found, "crmctl.services.context": set()})


def test_the_checker_finds_a_circle_across_folders() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


if __name__ == "__main__":
    print(report())
    sys.exit(0)
