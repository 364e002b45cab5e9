"""``tags is null`` / ``tags is not null`` (README's filter section) on every tagged entity."""

from __future__ import annotations

import pytest

from tests.conftest import Crm


@pytest.mark.parametrize("noun", ["companies", "contacts"])  # deals, leads: the same field
def test_tags_is_null_means_no_tags_on_every_tagged_entity(crm: Crm, noun: str) -> None:
    crm("init", "--demo")
    records = crm.json(noun, "list", "--fields", "id,tags")
    tagged = {record["id"] for record in records if record["tags"]}
    untagged = {record["id"] for record in records if not record["tags"]}
    assert tagged and untagged, noun  # the demo has both

    def ids(where: str) -> set[int]:
        return {r["id"] for r in crm.json(noun, "list", "--where", where, "--fields", "id")}

    assert ids("tags is null") == untagged
    assert ids("tags is not null") == tagged
