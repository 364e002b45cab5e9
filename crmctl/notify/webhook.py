"""POST one JSON payload to a webhook URL; any non-2xx answer is a failed attempt."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from crmctl.notify.smtp import DeliveryError

TIMEOUT_SECONDS = 10


def post_json(url: str, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook {url}: HTTP {response.status}")
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"webhook {url}: HTTP {error.code}") from None
    except (OSError, urllib.error.URLError) as error:
        raise DeliveryError(f"webhook {url}: {error}") from None
