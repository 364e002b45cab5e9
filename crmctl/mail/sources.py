"""Where mail comes from: a .eml file, a directory of them, an mbox, a Maildir, IMAP.

``open_source(SPEC)`` picks the reader from the argument; every reader yields
``RawMessage`` (the bytes and where they came from) in a stable order, so reading the
same source twice gives the same messages. Readers never parse: ``crmctl.mail.parse``
does that, one message at a time, so a huge mbox is not held in memory as objects.

IMAP fetches only what is new: pass the ``ImapState`` (UIDVALIDITY and the last UID
seen) of the previous run and store ``source.state`` after this one. A changed
UIDVALIDITY (the folder was recreated, UIDs mean something else now) re-scans the whole
folder; the importer's Message-ID dedup keeps that from duplicating anything.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import mailbox
import mmap
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from crmctl.errors import CrmError, ExitCode, UsageError

IMAP_PORT = 143
IMAPS_PORT = 993
IMAP_TIMEOUT_SECONDS = 30.0
# One UID FETCH asks for at most this many messages / bytes: few round trips, bounded
# memory (a batch is held while it is being yielded).
BATCH_MESSAGES = 500
BATCH_BYTES = 32 * 1024 * 1024
_MBOX_FROM = b"From "
# mbox writers put ">" before body lines starting with "From "; mboxrd readers take one
# off again (the stdlib writes and reads but never unquotes).
_MBOX_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


class MailSourceError(CrmError):
    """A file or directory that cannot be read as mail; the message names it."""

    exit_code = ExitCode.INVALID


class MailServerError(CrmError):
    """A mail server that cannot be reached, refuses the login or lacks the folder."""

    exit_code = ExitCode.FAILURE


@dataclass(frozen=True)
class RawMessage:
    raw: bytes
    origin: str  # for messages to the user: "inbox.mbox #12", "imap://…/INBOX UID 7"
    uid: int | None = None  # IMAP only


class MailSource(Protocol):
    description: str

    def messages(self) -> Iterator[RawMessage]: ...


def open_source(
    spec: str,
    *,
    password: str | None = None,
    state: ImapState | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> MailSource:
    """The reader for ``spec``: an ``imap://``/``imaps://`` URL, a Maildir (a directory
    with cur/ and new/), a directory of .eml files, an .eml file or an mbox file."""
    if spec.lower().startswith(("imap://", "imaps://")):
        return ImapSource(parse_imap_url(spec), password, state, ssl_context=ssl_context)
    path = Path(spec).expanduser()
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return MaildirSource(path)
        if (path / "mbox").is_file():  # Apple Mail exports "Inbox.mbox/mbox"
            return MboxSource(path / "mbox")
        return EmlDirectorySource(path)
    if not path.exists():
        raise MailSourceError(f"{path}: no such file or directory")
    if path.suffix.lower() == ".eml":
        return EmlFileSource(path)
    return _sniff_file(path)


def _sniff_file(path: Path) -> MailSource:
    head = _read_head(path)
    mbox_name = path.suffix.lower() in (".mbox", ".mbx")
    if head.lstrip(b"\r\n").startswith(_MBOX_FROM) or (mbox_name and not head):
        return MboxSource(path)  # an empty folder's mbox is an empty file
    if mbox_name:
        raise MailSourceError(
            f"{path}: not an mbox file (it must start with a 'From ' line); "
            "check the file or export the mailbox again"
        )
    if re.match(rb"[A-Za-z0-9-]+:", head):
        return EmlFileSource(path)
    raise MailSourceError(
        f"{path}: neither an mbox file nor an e-mail message (.eml); "
        "give an .eml file, a directory of them, an mbox file, a Maildir or an imap:// URL"
    )


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(1024)
    except OSError as exc:
        raise MailSourceError(f"{path}: cannot read ({exc.strerror})") from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MailSourceError(f"{path}: cannot read ({exc.strerror})") from None


# --- files ---------------------------------------------------------------------------------


@dataclass
class EmlFileSource:
    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def messages(self) -> Iterator[RawMessage]:
        yield RawMessage(_read_bytes(self.path), str(self.path))


@dataclass
class EmlDirectorySource:
    """Every ``*.eml`` in the directory (not below it), in name order."""

    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def messages(self) -> Iterator[RawMessage]:
        try:
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() == ".eml")
        except OSError as exc:
            raise MailSourceError(f"{self.path}: cannot read ({exc.strerror})") from None
        if not files:
            raise MailSourceError(
                f"{self.path}: no .eml files here, and not a Maildir (no cur/ and new/); "
                "give an .eml file, a directory of them, an mbox file or a Maildir"
            )
        for file in files:
            if not file.is_dir():  # a broken link is an error, not a message left out
                yield RawMessage(_read_bytes(file), str(file))


@dataclass
class MboxSource:
    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def messages(self) -> Iterator[RawMessage]:
        box = self._open()
        try:
            keys = self._keys(box)
            for number, key in enumerate(keys, start=1):
                yield RawMessage(self._get(box, key), f"{self.path} #{number}")
        finally:
            box.close()

    def _open(self) -> mailbox.mbox:
        _read_head(self.path)  # a clear error for a missing or unreadable file
        try:
            return _ScannedMbox(str(self.path), create=False)
        except (OSError, mailbox.Error) as exc:
            raise MailSourceError(f"{self.path}: cannot open as mbox ({exc})") from None

    def _keys(self, box: mailbox.mbox) -> list[int]:
        try:
            return sorted(box.keys())
        except (OSError, mailbox.Error, ValueError) as exc:
            raise MailSourceError(f"{self.path}: not a readable mbox file ({exc})") from None

    def _get(self, box: mailbox.mbox, key: int) -> bytes:
        try:
            return _MBOX_QUOTED_FROM.sub(rb"\1", box.get_bytes(key))
        except (OSError, mailbox.Error, KeyError, ValueError) as exc:
            raise MailSourceError(
                f"{self.path}: message {key} cannot be read ({exc}); the file changed or is damaged"
            ) from None


class _ScannedMbox(mailbox.mbox):
    """The stdlib mbox, its table of contents found by ``bytes.find`` over the mapped file
    instead of a Python loop per line (a 700 MB mbox: 5 s of CPU → a fraction of one).
    The offsets are exactly those of ``mailbox.mbox._generate_toc`` (tested against it):
    a message starts at each line beginning with "From " and stops at the next one, or
    one line ending before it when the line before is empty."""

    def _generate_toc(self) -> None:
        separator = mailbox.linesep
        self._file.seek(0, 2)
        length = self._file.tell()
        starts: list[int] = []
        ends_blank = False
        if length:
            with mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                starts = _from_lines(data, separator)
                stops = [_stop(data, start, separator) for start in starts[1:]]
                ends_blank = data[-2 * len(separator) :] == separator * 2
        else:
            stops = []
        stops.append(length - len(separator) if ends_blank else length)
        self._toc = dict(enumerate(zip(starts, stops, strict=False)))
        self._next_key = len(self._toc)
        self._file_length = length


def _from_lines(data: mmap.mmap, separator: bytes) -> list[int]:
    starts = [0] if data[: len(_MBOX_FROM)] == _MBOX_FROM else []
    marker = separator + _MBOX_FROM
    position = data.find(marker)
    while position != -1:
        starts.append(position + len(separator))
        position = data.find(marker, position + len(separator))
    return starts


def _stop(data: mmap.mmap, next_start: int, separator: bytes) -> int:
    """Where the message before the "From " line at ``next_start`` ends: before the
    empty line that precedes it, if there is one."""
    size = len(separator)
    blank = next_start >= 2 * size and data[next_start - 2 * size : next_start] == separator * 2
    return next_start - size if blank else next_start


@dataclass
class MaildirSource:
    """The messages of one Maildir folder (new/ and cur/), in file-name order (which
    starts with the delivery time); sub-folders are separate sources."""

    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def messages(self) -> Iterator[RawMessage]:
        try:
            box = mailbox.Maildir(str(self.path), factory=None, create=False)
            keys = sorted(box.keys())
        except (OSError, mailbox.Error) as exc:
            raise MailSourceError(f"{self.path}: not a readable Maildir ({exc})") from None
        for key in keys:
            try:
                raw = box.get_bytes(key)
            except KeyError:  # moved by a mail client while we read: gone from here
                continue
            except OSError as exc:
                raise MailSourceError(f"{self.path}/{key}: cannot read ({exc.strerror})") from None
            yield RawMessage(raw, f"{self.path} {key}")


# --- IMAP ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapUrl:
    secure: bool
    user: str
    host: str
    port: int
    folder: str

    def __str__(self) -> str:
        """The URL without any password, for messages and state keys."""
        scheme = "imaps" if self.secure else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class ImapState:
    """What a previous run saw of one folder; ``last_uid`` 0 means nothing yet."""

    uidvalidity: int
    last_uid: int


def parse_imap_url(url: str) -> ImapUrl:
    """``imap://user@host[:port]/FOLDER`` or ``imaps://…``; the folder defaults to INBOX;
    ``%40`` and the like in the user or folder are decoded."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps"):
        raise MailSourceError(f"{_without_password(url)}: not an imap:// or imaps:// URL")
    try:
        port = parts.port
    except ValueError:
        raise MailSourceError(f"{_without_password(url)}: the port is not a number") from None
    if not parts.hostname or not parts.username:
        raise MailSourceError(
            f"{_without_password(url)}: give the user and host, e.g. "
            "imap://obchod@mail.firma.cz/INBOX"
        )
    if parts.password is not None:
        raise MailSourceError(
            f"{_without_password(url)}: the URL holds a password; drop it and give it in "
            "CRM_IMAP_PASSWORD or as password: of the mailbox in crmctl.yaml"
        )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    secure = scheme == "imaps"
    return ImapUrl(
        secure=secure,
        user=unquote(parts.username),
        host=parts.hostname,
        port=port or (IMAPS_PORT if secure else IMAP_PORT),
        folder=folder,
    )


def _without_password(url: str) -> str:
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1@", url)


class ImapSource:
    """One IMAP folder, read-only (EXAMINE: nothing is marked as seen)."""

    def __init__(
        self,
        url: ImapUrl,
        password: str | None,
        state: ImapState | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = IMAP_TIMEOUT_SECONDS,
    ) -> None:
        self.url = url
        self._password = password
        self._previous = state
        self._ssl_context = ssl_context
        self._timeout = timeout
        self.state: ImapState | None = state
        self.rescanned = False  # True when UIDVALIDITY changed since the previous run

    @property
    def description(self) -> str:
        return str(self.url)

    def messages(self) -> Iterator[RawMessage]:
        """New messages in UID order; ``self.state`` follows each one yielded, so a caller
        that stores it after committing a message resumes right after that message."""
        password = self._password
        if password is None:
            raise UsageError(
                f"no password for {self.url}; set CRM_IMAP_PASSWORD or password: of the "
                "mailbox under mail.mailboxes in crmctl.yaml"
            )
        client = self._connect(password)
        try:
            uidvalidity, count = self._select(client)
            start = self._start_uid(uidvalidity)
            self.state = ImapState(uidvalidity, start - 1)
            # Some servers refuse "1:*" on an empty folder instead of answering nothing.
            sizes = self._new_uids(client, start) if count else []
            for batch in _batches(sizes):
                for uid, raw in self._fetch(client, batch):
                    self.state = ImapState(uidvalidity, uid)
                    yield RawMessage(raw, f"{self.url} UID {uid}", uid)
        finally:
            _logout(client)

    def _start_uid(self, uidvalidity: int) -> int:
        previous = self._previous
        if previous is None:
            return 1
        if previous.uidvalidity != uidvalidity:
            self.rescanned = True
            return 1
        return previous.last_uid + 1

    def _connect(self, password: str) -> imaplib.IMAP4:
        url = self.url
        try:
            if url.secure:
                context = self._ssl_context or ssl.create_default_context()
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    url.host, url.port, ssl_context=context, timeout=self._timeout
                )
            else:
                client = imaplib.IMAP4(url.host, url.port, timeout=self._timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailServerError(
                f"cannot connect to the IMAP server {url.host}:{url.port} ({_reason(exc)}); "
                "check the host, the port and the network"
            ) from None
        try:
            client.login(url.user, password)
        except imaplib.IMAP4.error:
            _logout(client)
            raise MailServerError(
                f"the IMAP server {url.host} refused the login of {url.user!r}; check the "
                "password (CRM_IMAP_PASSWORD or mail.mailboxes in crmctl.yaml)"
            ) from None
        except OSError as exc:
            raise self._lost(exc) from None
        return client

    def _select(self, client: imaplib.IMAP4) -> tuple[int, int]:
        """(UIDVALIDITY, number of messages) of the folder, opened read-only."""
        try:
            status, counts = client.select(_quote_folder(self.url.folder), readonly=True)
            if status != "OK":
                raise MailServerError(
                    f"the IMAP server {self.url.host} has no folder {self.url.folder!r} "
                    f"for {self.url.user!r}; check the folder in the URL"
                )
            _, values = client.response("UIDVALIDITY")
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise self._lost(exc) from None
        except imaplib.IMAP4.error as exc:
            raise MailServerError(
                f"the IMAP server {self.url.host} refused to open {self.url.folder!r} "
                f"({_reason(exc)})"
            ) from None
        try:
            return int(values[-1]), int(counts[0])
        except (TypeError, ValueError, IndexError):
            raise MailServerError(
                f"the IMAP server {self.url.host} sent no UIDVALIDITY for {self.url.folder!r}"
            ) from None

    def _new_uids(self, client: imaplib.IMAP4, start: int) -> list[tuple[int, int]]:
        """(uid, size) of every message from ``start`` on, in one round trip."""
        data = self._uid(client, "FETCH", f"{start}:*", "(UID RFC822.SIZE)")
        found: dict[int, int] = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid = re.search(rb"UID (\d+)", line)
            size = re.search(rb"RFC822\.SIZE (\d+)", line)
            # "N:*" also returns the last message when N is past it: keep only new UIDs.
            if uid and int(uid.group(1)) >= start:
                found[int(uid.group(1))] = int(size.group(1)) if size else 0
        return sorted(found.items())

    def _fetch(self, client: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, bytes]]:
        data = self._uid(client, "FETCH", _uid_set(uids), "(UID BODY.PEEK[])")
        messages: dict[int, bytes] = {}
        for index, item in enumerate(data):
            if not isinstance(item, tuple) or len(item) < 2:
                continue
            uid = re.search(rb"UID (\d+)", item[0])
            after = data[index + 1] if index + 1 < len(data) else b""
            if uid is None and isinstance(after, bytes):  # "BODY[] {n}…literal… UID 7)"
                uid = re.search(rb"UID (\d+)", after)
            if uid:
                messages[int(uid.group(1))] = item[1]
        # A message expunged between the two FETCHes is simply not there.
        return sorted(messages.items())

    def _uid(self, client: imaplib.IMAP4, *args: str) -> list[object]:
        try:
            status, data = client.uid(*args)
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise self._lost(exc) from None
        except imaplib.IMAP4.error as exc:
            raise MailServerError(
                f"the IMAP server {self.url.host} refused UID {args[0]} ({_reason(exc)})"
            ) from None
        if status != "OK":
            raise MailServerError(f"the IMAP server {self.url.host} refused UID {args[0]}")
        return [item for item in data if item is not None]

    def _lost(self, exc: BaseException) -> MailServerError:
        return MailServerError(
            f"lost the connection to the IMAP server {self.url.host}:{self.url.port} "
            f"({_reason(exc)}); run the import again to continue"
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()


def _batches(sizes: list[tuple[int, int]]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid, size in sizes:
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _uid_set(uids: list[int]) -> str:
    """``[1, 2, 3, 7, 9, 10]`` → ``"1:3,7,9:10"``."""
    ranges: list[str] = []
    start = previous = uids[0]
    for uid in uids[1:]:
        if uid != previous + 1:
            ranges.append(f"{start}:{previous}" if previous != start else str(start))
            start = uid
        previous = uid
    ranges.append(f"{start}:{previous}" if previous != start else str(start))
    return ",".join(ranges)


def _quote_folder(folder: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501
    5.1.3): ``Odeslaná pošta`` → ``"Odeslan&AOE- po&AWE-ta"``."""
    encoded = encode_modified_utf7(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_modified_utf7(text: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + chunk.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in text:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)
