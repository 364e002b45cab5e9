"""One Core type for a user (``Actor``) and for a team (``TeamRef``), on the write path
(a Session) and the ORM-free read path (a Connection) alike."""

from __future__ import annotations

import pytest

from crmctl.config import load_settings
from crmctl.errors import NotFound
from crmctl.services import refs
from crmctl.services.context import Actor, TeamRef, open_context, open_read_context
from tests.conftest import ADMIN, Crm


@pytest.fixture
def team(crm: Crm) -> Crm:
    crm("teams", "add", "sever")
    crm("users", "add", "jana", "--team", "sever")
    return crm


@pytest.mark.parametrize("opener", [open_context, open_read_context], ids=["write", "read"])
def test_users_and_teams_resolve_to_one_type_on_both_paths(team: Crm, opener) -> None:  # type: ignore[no-untyped-def]
    with opener(load_settings(team.url, ADMIN)) as ctx:
        assert type(ctx.actor) is Actor and ctx.actor.login == ADMIN
        jana = refs.resolve_user(ctx, "jana")
        sever = refs.resolve_team(ctx, "sever")
        assert type(jana) is Actor and refs.resolve_user(ctx, str(jana.id)) == jana
        assert (jana.team_id, jana.role, jana.active) == (sever.id, "sales", True)
        assert sever == TeamRef(sever.id, "sever") == refs.resolve_team(ctx, sever.id)
        with pytest.raises(NotFound, match="no user 'nikdo'"):
            refs.resolve_user(ctx, "nikdo")
        with pytest.raises(NotFound, match="no team 'jih'"):
            refs.resolve_team(ctx, "jih")


def test_no_row_twins_are_left() -> None:
    assert not [name for name in vars(refs) if name.endswith("_row")]
