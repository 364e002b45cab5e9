"""The ``mail:`` section: defaults, validation naming the key, crmctl.yaml, config show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.config import load_settings
from crmctl.errors import ExitCode, UsageError
from crmctl.mail.settings import (
    BUILTIN_FREE_MAIL_DOMAINS,
    DEFAULT_DEAL_TOKEN,
    Mailbox,
    MailSettings,
    mail_settings,
    parse_mail_section,
)

FULL = {
    "own_addresses": ["Firma.cz", "@firma.eu", "obchod@eshop.cz"],
    "lead_addresses": ["info@firma.cz", "Poptavky@firma.cz"],
    "free_mail_domains": ["quick-mail.cz"],
    "deal_token": "[ZAK-{id}]",
    "mailboxes": {
        "obchod": {"url": "imaps://obchod@mail.firma.cz/INBOX", "owner": "novak"},
        "info": "imap://info%40firma.cz@mail.firma.cz/Poptávky",
    },
}


def test_defaults_without_a_mail_section() -> None:
    settings = parse_mail_section(None)
    assert settings == MailSettings()
    assert settings.deal_token == DEFAULT_DEAL_TOKEN == "[OP-{id}]"
    named_in_the_issue = {
        "seznam.cz", "email.cz", "centrum.cz", "post.cz", "gmail.com", "outlook.com",
        "hotmail.com", "yahoo.com", "icloud.com", "volny.cz", "atlas.cz", "tiscali.cz",
    }  # fmt: skip
    assert named_in_the_issue <= settings.free_mail_domains


def test_a_full_section() -> None:
    settings = parse_mail_section(FULL)
    assert settings.own_domains == {"firma.cz", "firma.eu"}
    assert settings.own_addresses == {"obchod@eshop.cz"}
    assert settings.lead_addresses == {"info@firma.cz", "poptavky@firma.cz"}
    assert settings.free_mail_domains == BUILTIN_FREE_MAIL_DOMAINS | {"quick-mail.cz"}
    assert settings.deal_token == "[ZAK-{id}]"
    assert settings.mailboxes == {
        "obchod": Mailbox("obchod", "imaps://obchod@mail.firma.cz/INBOX", "novak"),
        "info": Mailbox("info", "imap://info%40firma.cz@mail.firma.cz/Poptávky"),
    }
    assert settings.is_own("OBCHOD@eshop.cz") and settings.is_own("kdokoli@firma.eu")
    assert not settings.is_own("jiny@eshop.cz")


@pytest.mark.parametrize(
    "section, message",
    [
        ("ano", "mail: expected a mapping of settings, got str 'ano'"),
        ({"own_adresses": []}, "mail: unknown setting(s) own_adresses; known: own_addresses,"),
        ({"own_addresses": "neni adresa"}, "mail.own_addresses: 'neni adresa' is neither"),
        ({"own_addresses": [1]}, "mail.own_addresses: expected a list of strings"),
        ({"lead_addresses": ["firma.cz"]}, "mail.lead_addresses: 'firma.cz' is not an e-mail"),
        ({"free_mail_domains": ["x"]}, "mail.free_mail_domains: 'x' is not a domain"),
        ({"deal_token": "OP-"}, "mail.deal_token: 'OP-' must contain {id} once"),
        ({"deal_token": "{id}"}, "mail.deal_token: '{id}' must contain {id} once"),
        ({"deal_token": "[{id}-{id}]"}, "mail.deal_token: '[{id}-{id}]' must contain"),
        ({"deal_token": "{x}{id}"}, "mail.deal_token: '{x}{id}': only {id} may be written"),
        ({"mailboxes": ["a"]}, "mail.mailboxes: expected a mapping"),
        ({"mailboxes": {"a": {"owner": "x"}}}, "mail.mailboxes.a.url: missing"),
        ({"mailboxes": {"a": {"url": "pop3://x@h"}}}, "mail.mailboxes.a.url: pop3://x@h: not an"),
        ({"mailboxes": {"a": {"url": "imap://x@h", "usr": "x"}}}, "mail.mailboxes.a: unknown"),
        ({"mailboxes": {"a": {"url": "imap://x@h", "owner": 5}}}, "mail.mailboxes.a.owner:"),
        (
            {"mailboxes": {"a": {"url": "imap://x:heslo@h"}}},
            "mail.mailboxes.a.url: imap://x@h: the URL holds a password",
        ),
    ],
)
def test_errors_name_the_key(section: Any, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_mail_section(section, "/srv/crm/crmctl.yaml")
    assert str(raised.value).startswith(f"/srv/crm/crmctl.yaml: {message}")
    assert raised.value.exit_code == ExitCode.USAGE
    assert "heslo" not in str(raised.value)


def test_read_from_crmctl_yaml(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text(
        "mail:\n  own_addresses: [firma.cz]\n  deal_token: 'OP#{id}'\n", encoding="utf-8"
    )
    settings = mail_settings(load_settings())
    assert settings.own_domains == {"firma.cz"} and settings.deal_token == "OP#{id}"
    assert mail_settings(None) == MailSettings()


def test_an_error_in_crmctl_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("mail:\n  deal_token: OP\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"crmctl\.yaml: mail\.deal_token: 'OP'"):
        mail_settings(load_settings())


def test_config_show_masks_mailbox_passwords(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text(
        "database_url: crm.db\nmail:\n  mailboxes:\n"
        "    obchod: {url: 'imap://o@mail.firma.cz/INBOX', password: tajne-heslo}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["config", "show", "-o", "json"])
    assert result.exit_code == 0, result.stderr
    assert "tajne-heslo" not in result.stdout
    assert '"password": "***"' in result.stdout
    mailbox = mail_settings(load_settings()).mailboxes["obchod"]
    assert mailbox.password == "tajne-heslo" and "tajne-heslo" not in repr(mailbox)
