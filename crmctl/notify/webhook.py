"""POST one JSON payload to a webhook URL; any non-2xx answer is a failed attempt.

Each POST carries ``X-Crmctl-Delivery`` (also ``Idempotency-Key``), fixed per delivery,
so a receiver can recognise the same call. A timeout or a dropped connection after the
request went out leaves the outcome unknown: ``DeliveryUncertain``, never resent by itself.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from crmctl.notify.smtp import DeliveryError, DeliveryUncertain

TIMEOUT_SECONDS = 10


def post_json(url: str, payload: dict[str, Any], key: str = "") -> None:
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    connection = _connection(url)
    headers = {"Content-Type": "application/json"}
    if key:
        headers |= {"X-Crmctl-Delivery": key, "Idempotency-Key": key}
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.request("POST", path, body=data, headers=headers)
        except (OSError, http.client.HTTPException) as error:
            raise DeliveryError(f"webhook {url}: {error}") from None
        try:
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            # The request went out; only the answer is missing.
            raise DeliveryUncertain(
                f"webhook {url} did not answer within {TIMEOUT_SECONDS} s ({error}); "
                f"it may have been received (X-Crmctl-Delivery {key})"
            ) from None
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook {url}: HTTP {status}")


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"webhook {url}: expected an http:// or https:// URL")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        port = parts.port
    except ValueError as error:  # e.g. a port that is not a number
        raise DeliveryError(f"webhook {url}: {error}") from None
    return kind(parts.hostname, port, timeout=TIMEOUT_SECONDS)
