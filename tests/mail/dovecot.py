"""A real Dovecot IMAP server on 127.0.0.1, with a throwaway config and Maildirs.

Any user name logs in with the password ``PASSWORD`` (a static passdb), so each test
takes a fresh user and so an empty mailbox. Run as root (a container), Dovecot refuses
root for its login and mail processes: they run as the package's ``dovenull`` and
``dovecot`` users, and the temp directory is made traversable for them. Run as anyone
else, every process runs as that user.

Outside CI a missing or failing Dovecot skips the IMAP tests; under ``CI=true`` it fails
them (``.ci/run`` installs ``dovecot-imapd``).
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

PASSWORD = "tajne-heslo"
START_SECONDS = 15.0


@dataclass
class Dovecot:
    host: str
    port: int
    ssl_port: int | None
    root: Path
    cafile: Path | None

    def url(self, user: str, folder: str = "INBOX", *, secure: bool = False) -> str:
        scheme, port = ("imaps", self.ssl_port) if secure else ("imap", self.port)
        return f"{scheme}://{user}@{self.host}:{port}/{quote(folder)}"

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def ssl_context(self) -> ssl.SSLContext:
        assert self.cafile is not None
        return ssl.create_default_context(cafile=str(self.cafile))

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the Dovecot IMAP server cannot run: {reason}")
    pytest.skip(f"Dovecot IMAP server unavailable: {reason}")


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        unavailable("the dovecot binary is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="crmctl-dovecot-"))
    root.chmod(0o755)  # pytest's tmp dirs are 0700: Dovecot's own users must get in
    process: subprocess.Popen[bytes] | None = None
    try:
        server = _configure(root)
        process = subprocess.Popen(
            [binary, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 (closed with the process)
        )
        _wait_until_ready(server, process)
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _configure(root: Path) -> Dovecot:
    (root / "run").mkdir()
    (root / "home").mkdir()
    login_user, internal_user, internal_group, uid, gid = _identities()
    if os.geteuid() == 0:
        os.chown(root / "home", uid, gid)
    port, ssl_port = free_port(), free_port()
    cafile = _certificate(root)
    ssl_settings = (
        f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"
        if cafile
        else "ssl = no\n"
    )
    imaps_listener = (
        f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {ssl_port}\n  }}\n"
        if cafile
        else "  inet_listener imaps {\n    port = 0\n  }\n"
    )
    (root / "dovecot.conf").write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl_settings}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0s
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
{imaps_listener}}}
service anvil {{
  chroot =
}}
"""
    )
    return Dovecot("127.0.0.1", port, ssl_port if cafile else None, root, cafile)


def _identities() -> tuple[str, str, str, int, int]:
    """(login user, internal user, internal group, mail uid, mail gid)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return me, me, group, os.geteuid(), os.getegid()
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        unavailable("running as root needs the dovecot and dovenull users of the package")
    group = grp.getgrgid(internal.pw_gid).gr_name
    return "dovenull", "dovecot", group, internal.pw_uid, internal.pw_gid


def _certificate(root: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 (for imaps), or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    command = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        return None
    (root / "key.pem").chmod(0o644)  # read by Dovecot's config process, a test key
    return root / "cert.pem"


def _wait_until_ready(server: Dovecot, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            client = imaplib.IMAP4(server.host, server.port, timeout=2)
            client.logout()
            return
        except (OSError, imaplib.IMAP4.error) as exc:
            last_error = str(exc)
            time.sleep(0.1)
    stderr = (server.root / "stderr.log").read_text(errors="replace")
    code = process.poll()
    what = (
        f"it exited with code {code}"
        if code is not None
        else f"it did not accept connections within {START_SECONDS:.0f} s ({last_error})"
    )
    unavailable(f"{what}\n{stderr}\n{server.log()}")
