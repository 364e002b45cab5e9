"""Raw messages written byte for byte, as broken as real mail is."""

from __future__ import annotations


def raw_message(
    *headers: str, body: bytes | str = b"Dobry den.\r\n", charset: str = "utf-8"
) -> bytes:
    """Header lines (str, encoded with ``charset`` to get raw 8-bit headers) + body."""
    head = "\r\n".join(headers).encode(charset)
    data = body.encode(charset) if isinstance(body, str) else body
    return head + b"\r\n\r\n" + data


def simple(
    message_id: str | None = "m1@example.cz",
    *,
    sender: str = "Jan Novák <jan@novak.cz>",
    to: str = "obchod@firma.cz",
    subject: str = "Nabídka",
    body: str = "Dobrý den, posílám nabídku.",
    extra: tuple[str, ...] = (),
) -> bytes:
    """A plain UTF-8 message (headers RFC 2047-free but UTF-8, as modern clients send)."""
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    headers.append("Date: Tue, 10 Mar 2026 09:00:00 +0100")
    if message_id is not None:
        headers.append(f"Message-ID: <{message_id}>")
    headers.extend(extra)
    headers.append('Content-Type: text/plain; charset="utf-8"')
    headers.append("Content-Transfer-Encoding: 8bit")
    return raw_message(*headers, body=body + "\r\n")
