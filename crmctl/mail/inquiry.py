"""Contact fields of an inquiry sender, from the From header and the text itself.

People writing to info@ rarely have a formatted signature: the name is in the From
header or after "S pozdravem", the phone somewhere in a sentence ("volejte na 603 123
456"), the company after "Firma:" when a web form wrote the mail. Quoted earlier mail is
ignored, so a reply never lends us someone else's phone. The phone is returned as
written; the lead service normalises it like any other phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmctl.mail.parse import ParsedMessage

_QUOTE_START = re.compile(
    r"^(>|-{2,}\s*(Původní zpráva|Original Message|Forwarded message)|"
    r"(Dne|On)\b.{0,120}\b(napsal|napsala|napsal\(a\)|wrote)\b)",
    re.IGNORECASE,
)
_LABEL = r"[ \t]*[:\-][ \t]*"
_NAME_LABEL = re.compile(r"^(jméno(?: a příjmení)?|name|kontaktní osoba)" + _LABEL + r"(.+)$", re.I)
_COMPANY_LABEL = re.compile(r"^(firma|společnost|company|organizace)" + _LABEL + r"(.+)$", re.I)
_EMAIL_LABEL = re.compile(
    r"^(e-?mail|mail)" + _LABEL + r"<?([^\s<>@]+@[^\s<>@]+\.[a-z]{2,})>?$", re.I
)
_PHONE_LABEL = re.compile(r"(tel\.?|telefon|mobil|mob\.?|phone|gsm)" + _LABEL + r"?", re.I)
_PHONE = re.compile(r"(?<![\d+])((?:\+|00)\s?\d{3}[\s.-]?)?(\d{3}[\s.-]?\d{3}[\s.-]?\d{3})(?!\d)")
_NOT_AMOUNT = re.compile(r"^\s*(,-|,\d|kč|czk|eur|€|ks)", re.IGNORECASE)
_CLOSINGS = re.compile(
    r"^(s pozdravem|s přátelským pozdravem|s přáním [\w ]+|děkuji|díky|zdraví|zdravím|"
    r"hezký den|pěkný den|best regards|kind regards|regards|thanks|thank you)[,.!]?\s*$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'.-]*(?:[.'-][^\W\d_]+)*\.?$")


@dataclass(frozen=True)
class InquiryContact:
    email: str
    name: str | None = None
    phone: str | None = None
    company: str | None = None


def inquiry_contact(message: ParsedMessage) -> InquiryContact:
    """Who wrote this inquiry: name, phone and company from the header or the text; the
    e-mail from an "E-mail:" line (a web form relaying the inquiry) or else From."""
    lines = own_text(message.body).splitlines()
    sender = message.sender
    header_name = sender.name if sender and _is_name(sender.name) else None
    return InquiryContact(
        email=(_labelled(lines, _EMAIL_LABEL) or (sender.address if sender else "")).lower(),
        name=header_name or _labelled(lines, _NAME_LABEL) or _after_closing(lines),
        phone=_phone(lines),
        company=_labelled(lines, _COMPANY_LABEL),
    )


def own_text(body: str) -> str:
    """The body without the quoted mail below it (``>`` lines, "Dne … napsal:",
    "-----Původní zpráva-----"); a signature stays: it is where the phone often is."""
    kept: list[str] = []
    for line in body.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _labelled(lines: list[str], pattern: re.Pattern[str]) -> str | None:
    for line in lines:
        match = pattern.match(line.strip())
        if match and match.group(2).strip():
            return match.group(2).strip()
    return None


def _after_closing(lines: list[str]) -> str | None:
    stripped = [line.strip() for line in lines]
    for index, line in enumerate(stripped):
        if not _CLOSINGS.match(line):
            continue
        following = next((text for text in stripped[index + 1 :] if text), "")
        if _is_name(following):
            return following
    return None


def _is_name(text: str | None) -> bool:
    """ "Jan Novák", "Ing. Petra Dvořáková" — 2 to 5 words of letters, no @ or digits."""
    if not text or "@" in text:
        return False
    words = text.replace(",", " ").split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(word) for word in words)


def _phone(lines: list[str]) -> str | None:
    """A labelled phone first ("tel.: …"), else the first number that looks like one
    (nine digits, optionally +420, not followed by Kč/,-)."""
    labelled: list[str] = []
    bare: list[str] = []
    for line in lines:
        for match in _PHONE.finditer(line):
            if _NOT_AMOUNT.match(line[match.end() :]):
                continue
            number = match.group(0).strip()
            before = line[: match.start()]
            label = _PHONE_LABEL.search(before[-20:])
            digits = match.group(2).replace(" ", "")
            if label:
                labelled.append(number)
            elif match.group(1) or digits[0] in "234567":
                bare.append(number)
    found = labelled or bare
    return found[0] if found else None
