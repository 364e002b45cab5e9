"""The Dovecot harness itself: under CI=true a server that cannot run fails the tests."""

from __future__ import annotations

import pytest

from tests.mail import dovecot


def start() -> None:
    with dovecot.running_dovecot():
        pass


def test_missing_dovecot_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dovecot, "dovecot_binary", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the Dovecot IMAP server"):
        start()


def test_missing_dovecot_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dovecot, "dovecot_binary", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="dovecot-imapd"):
        start()


def test_a_server_that_dies_at_start_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dovecot, "dovecot_binary", lambda: "/bin/false")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="it exited with code 1"):
        start()
