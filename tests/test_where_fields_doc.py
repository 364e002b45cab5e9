"""README lists each entity's ``--where`` fields exactly as the entity registry has them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from crmctl import entities

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "where_fields.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("where_fields", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_where_fields_are_the_registrys() -> None:
    script = _script()
    text = script.README.read_text(encoding="utf-8")
    assert script.rewritten(text) == text, "run: .venv/bin/python scripts/where_fields.py"


def test_the_section_names_every_filter_field_of_every_filterable_entity() -> None:
    section = _script().section()
    for entity in entities.ENTITIES.values():
        line = next((x for x in section.splitlines() if x.startswith(f"- {entity.plural}:")), None)
        if not entity.where:
            assert line is None
            continue
        assert line is not None, entity.plural
        listed = line.split("`")[1].split()
        custom = ["custom.KEY"] if entity.custom else []
        expected = [f.name for f in entity.filter_fields] + custom
        assert listed == expected
