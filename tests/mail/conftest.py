"""Fixtures for the mail tests: a real Dovecot for the whole session, a fresh user each."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.mail.dovecot import Dovecot, running_dovecot


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def imap_user() -> str:
    """A user nobody logged in as yet: an empty INBOX."""
    return f"u{uuid.uuid4().hex[:12]}"
