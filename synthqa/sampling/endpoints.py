"""Where the server may send a model's requests (a critic, a served PRM, a model to sample
from), and where the critic's API key may go.

A browser user types the endpoint; the server makes the requests. So an endpoint is
normalised (scheme, host, port; no user info, query or fragment; a path of "" or "/v1" only)
and must match the operator's allow-list (SYNTHQA_CRITIC_ENDPOINTS, loopback by default);
the API key (SYNTHQA_CRITIC_API_KEY) goes only to the one origin the operator configured it
for (SYNTHQA_CRITIC_KEY_ORIGIN), never to whatever a form names.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from synthqa.config import SETTINGS

ALLOW_ENV, KEY_ENV, KEY_ORIGIN_ENV = ("SYNTHQA_CRITIC_ENDPOINTS", "SYNTHQA_CRITIC_API_KEY",
                                      "SYNTHQA_CRITIC_KEY_ORIGIN")
DEFAULT_ALLOWED = SETTINGS[ALLOW_ENV][0]


def normalise(url: str) -> str:
    """scheme://host[:port] of an OpenAI-compatible endpoint, or ValueError saying why not."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"endpoint {url!r}: not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"endpoint {url!r}: an http(s) URL with a host")
    if parts.username or parts.password or "@" in parts.netloc:
        raise ValueError(f"endpoint {url!r}: no user name or password in the URL")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(f"endpoint {url!r}: no query or fragment (the server adds the path)")
    if parts.path.rstrip("/") not in ("", "/v1"):
        raise ValueError(f"endpoint {url!r}: the server's address only (it adds "
                         "/v1/chat/completions)")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _matches(origin: str, entry: str) -> bool:
    """An allow-list entry without a port allows every port of its host."""
    allowed = normalise(entry)
    return origin == allowed or (urlsplit(allowed).port is None
                                 and origin.rsplit(":", 1)[0] == allowed
                                 and urlsplit(origin).port is not None)


def check_allowed(url: str, allowed: str | None = None) -> str:
    """The normalised endpoint when the operator allows it, else ValueError (nothing sent)."""
    origin = normalise(url)
    entries = [e for e in (allowed if allowed is not None else
                           os.environ.get(ALLOW_ENV, DEFAULT_ALLOWED)).split(",") if e.strip()]
    if not any(_matches(origin, entry) for entry in entries):
        raise ValueError(f"endpoint {origin} is not allowed on this server: the operator lists "
                         f"the endpoints it may call in {ALLOW_ENV} (now: "
                         f"{', '.join(entries) or 'none'})")
    return origin


def api_key_for(url: str) -> str | None:
    """The API key, only for the origin it was configured for."""
    key, origin = os.environ.get(KEY_ENV), os.environ.get(KEY_ORIGIN_ENV, "").strip()
    if not key or not origin:
        return None
    return key if normalise(url) == normalise(origin) else None
