"""The ``mail:`` section of ``crmctl.yaml``, validated into ``MailSettings``.

```yaml
mail:
  own_addresses: [firma.cz, obchod@firma-eshop.cz]   # addresses or whole domains: direction
  lead_addresses: [info@firma.cz, poptavky@firma.cz]  # mail here from strangers → a lead
  free_mail_domains: [quick.cz]                      # added to the built-in list
  deal_token: "[OP-{id}]"                            # put in subjects; the default
  mailboxes:
    obchod: {url: "imaps://obchod@mail.firma.cz/INBOX", owner: novak}
```

Every error names the key (``mail.mailboxes.obchod.url``) and says what to write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmctl.errors import UsageError
from crmctl.mail.sources import MailSourceError, parse_imap_url

DEFAULT_DEAL_TOKEN = "[OP-{id}]"
# Providers whose domain says nothing about the company a sender works for.
BUILTIN_FREE_MAIL_DOMAINS = frozenset(
    {
        # Czech and Slovak
        "seznam.cz", "email.cz", "post.cz", "spoluzaci.cz", "stream.cz", "centrum.cz",
        "atlas.cz", "volny.cz", "tiscali.cz", "quick.cz", "razdva.cz", "cbox.cz",
        "azet.sk", "centrum.sk", "zoznam.sk", "pobox.sk",
        # international
        "gmail.com", "googlemail.com", "outlook.com", "outlook.cz", "hotmail.com",
        "hotmail.cz", "live.com", "live.cz", "msn.com", "yahoo.com", "ymail.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net", "gmx.de",
        "web.de", "proton.me", "protonmail.com", "pm.me", "mail.com", "zoho.com",
        "yandex.com", "yandex.ru", "mail.ru", "tutanota.com", "fastmail.com",
    }
)  # fmt: skip
MAIL_KEYS = ("own_addresses", "lead_addresses", "free_mail_domains", "deal_token", "mailboxes")
MAILBOX_KEYS = ("url", "owner", "password")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


@dataclass(frozen=True)
class Mailbox:
    name: str
    url: str
    owner: str | None = None
    password: str | None = field(default=None, repr=False)  # never in logs or errors


@dataclass(frozen=True)
class MailSettings:
    own_addresses: frozenset[str] = frozenset()  # full addresses, lower case
    own_domains: frozenset[str] = frozenset()  # whole domains, lower case
    lead_addresses: frozenset[str] = frozenset()
    free_mail_domains: frozenset[str] = BUILTIN_FREE_MAIL_DOMAINS
    deal_token: str = DEFAULT_DEAL_TOKEN
    mailboxes: Mapping[str, Mailbox] = field(default_factory=dict)

    def is_own(self, address: str) -> bool:
        """Is ``address`` one of the firm's own (an own address or in an own domain)?"""
        address = address.lower()
        return address in self.own_addresses or address.rpartition("@")[2] in self.own_domains


def mail_settings(settings: Any) -> MailSettings:
    """``MailSettings`` from loaded ``crmctl.config.Settings`` (defaults without a
    ``mail:`` section)."""
    setting = settings.values.get("mail") if settings is not None else None
    if setting is None:
        return MailSettings()
    return parse_mail_section(setting.value, setting.source)


def parse_mail_section(raw: Any, source: str = "crmctl.yaml") -> MailSettings:
    """Validate the value of ``mail:``; ``source`` names where it came from in errors."""
    if raw is None:
        return MailSettings()
    section = _mapping(raw, "mail", source)
    _refuse_unknown(section, MAIL_KEYS, "mail", source)
    own_addresses, own_domains = _own(section.get("own_addresses"), source)
    extra_free = _domains(section.get("free_mail_domains"), "mail.free_mail_domains", source)
    return MailSettings(
        own_addresses=own_addresses,
        own_domains=own_domains,
        lead_addresses=_addresses(section.get("lead_addresses"), "mail.lead_addresses", source),
        free_mail_domains=BUILTIN_FREE_MAIL_DOMAINS | extra_free,
        deal_token=_deal_token(section.get("deal_token"), source),
        mailboxes=_mailboxes(section.get("mailboxes"), source),
    )


def redacted(raw: Any) -> Any:
    """The ``mail:`` value for display (``config show``): mailbox passwords masked."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("mailboxes"), Mapping):
        return raw
    boxes = {
        name: {**box, "password": "***"} if isinstance(box, Mapping) and "password" in box else box
        for name, box in raw["mailboxes"].items()
    }
    return {**raw, "mailboxes": boxes}


def _fail(key: str, source: str, problem: str) -> UsageError:
    return UsageError(f"{source}: {key}: {problem}")


def _mapping(value: Any, key: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(key, source, f"expected a mapping of settings, got {_shown(value)}")
    return value


def _refuse_unknown(
    section: Mapping[str, Any], known: tuple[str, ...], key: str, source: str
) -> None:
    unknown = sorted(str(name) for name in section if name not in known)
    if unknown:
        raise _fail(
            key, source, f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )


def _strings(value: Any, key: str, source: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # one value written without the list brackets
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(key, source, f"expected a list of strings, got {_shown(value)}")
    return [item.strip().lower() for item in value]


def _own(value: Any, source: str) -> tuple[frozenset[str], frozenset[str]]:
    key = "mail.own_addresses"
    addresses: set[str] = set()
    domains: set[str] = set()
    for item in _strings(value, key, source):
        domain = item.removeprefix("@")
        if "@" not in domain and _DOMAIN.match(domain):
            domains.add(domain)
        elif _is_address(item):
            addresses.add(item)
        else:
            raise _fail(
                key, source, f"{item!r} is neither an e-mail address nor a domain (firma.cz)"
            )
    return frozenset(addresses), frozenset(domains)


def _addresses(value: Any, key: str, source: str) -> frozenset[str]:
    items = _strings(value, key, source)
    for item in items:
        if not _is_address(item):
            raise _fail(key, source, f"{item!r} is not an e-mail address (info@firma.cz)")
    return frozenset(items)


def _domains(value: Any, key: str, source: str) -> frozenset[str]:
    items = [item.removeprefix("@") for item in _strings(value, key, source)]
    for item in items:
        if not _DOMAIN.match(item):
            raise _fail(key, source, f"{item!r} is not a domain (e.g. seznam.cz)")
    return frozenset(items)


def _is_address(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and _LOCAL.match(local) and _DOMAIN.match(domain))


def _deal_token(value: Any, source: str) -> str:
    key = "mail.deal_token"
    if value is None:
        return DEFAULT_DEAL_TOKEN
    if not isinstance(value, str) or value.count("{id}") != 1 or value.strip() == "{id}":
        raise _fail(
            key,
            source,
            f"{value!r} must contain {{id}} once with text around it, e.g. {DEFAULT_DEAL_TOKEN!r}",
        )
    if re.search(r"[{}]", value.replace("{id}", "")):
        raise _fail(key, source, f"{value!r}: only {{id}} may be written in braces")
    return value


def _mailboxes(value: Any, source: str) -> dict[str, Mailbox]:
    if value is None:
        return {}
    boxes = _mapping(value, "mail.mailboxes", source)
    return {str(name): _mailbox(str(name), entry, source) for name, entry in boxes.items()}


def _mailbox(name: str, entry: Any, source: str) -> Mailbox:
    key = f"mail.mailboxes.{name}"
    if isinstance(entry, str):  # NAME: imap://… is the short form
        entry = {"url": entry}
    entry = _mapping(entry, key, source)
    _refuse_unknown(entry, MAILBOX_KEYS, key, source)
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise _fail(f"{key}.url", source, "missing; write e.g. imaps://obchod@mail.firma.cz/INBOX")
    try:
        parse_imap_url(url.strip())
    except MailSourceError as exc:
        raise _fail(f"{key}.url", source, exc.message) from None
    owner = entry.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise _fail(f"{key}.owner", source, f"expected a user login, got {_shown(owner)}")
    password = entry.get("password")
    if password is not None and not isinstance(password, str | int):
        raise _fail(f"{key}.password", source, "expected a string")
    return Mailbox(
        name,
        url.strip(),
        owner.strip() if owner else None,
        str(password) if password is not None else None,
    )


def _shown(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing"
