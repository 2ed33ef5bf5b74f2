"""Small JSON calls to an engine's own endpoints (llama.cpp's /tokenize, /props, /lora-adapters)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class EngineUnreachableError(RuntimeError):
    """An engine URL did not answer, or answered with an error."""


def get_json(url: str, timeout_s: float = 10.0) -> Any:
    """GET url and parse its JSON body."""
    return _send(urllib.request.Request(url), timeout_s)


def post_json(url: str, body: dict[str, Any], timeout_s: float = 10.0) -> Any:
    """POST a JSON body to url and parse the JSON reply."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    return _send(request, timeout_s)


def _send(request: urllib.request.Request, timeout_s: float) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise EngineUnreachableError(f"{request.full_url} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise EngineUnreachableError(f"{request.full_url} did not answer: {exc}") from exc
