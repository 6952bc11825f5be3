"""HTTP half of the ``openai`` adapter: request bodies, retries with backoff, response parsing (stdlib only).

Building a body and computing a retry delay are pure functions; ``post_json`` is the only place that talks to
the network. Retried: HTTP 429, HTTP 5xx, connection failures and timeouts; anything else (400, 401, 404, ...)
fails at once, because asking again cannot help. The API key travels only in the ``Authorization`` header and
is scrubbed from any error text, so it never reaches a log record, a response or a result file.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import logging
import mimetypes
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.records import Request, Response

logger = logging.getLogger(__name__)

RETRY_AFTER_CEILING = 600.0
"""Seconds: a server asking for a longer pause than this gets this (a run should not hang for hours)."""


@dataclass(frozen=True)
class Reply:
    """The outcome of one HTTP exchange (after retries): parsed JSON, or an error string."""

    body: Mapping[str, Any] | None
    error: str | None = None
    attempts: int = 1


def image_data_url(path: str, *, sample_id: str) -> str:
    """An image file as a base64 ``data:`` URL, or ``UserError`` naming the sample and the file."""
    mime = mimetypes.guess_type(path)[0] or "image/png"
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise UserError(f"sample {sample_id!r}: cannot read image {path}: {exc.strerror or exc}") from None
    from lamm_bench.media import decode_image

    try:
        decode_image(path)  # a corrupt file is the user's error, found here rather than as a server's refusal later
    except UserError as exc:
        raise UserError(f"sample {sample_id!r}: {exc}") from None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def chat_body(
    request: Request,
    model: str,
    image_urls: list[str],
    *,
    temperature: float | None = None,
    continue_final_message: bool = True,
) -> dict[str, Any]:
    """The chat-completions body for a request (pure).

    Args:
        request: The request (system message, text, generation settings, assistant prefix, seed).
        model: The served model's name.
        image_urls: One URL (e.g. a data URL) per image of the request, in order.
        temperature: Overrides the request's temperature when given.
        continue_final_message: Send a non-empty ``assistant_prefix`` as an open assistant turn with vLLM's and
            SGLang's ``continue_final_message`` extension; when false the prefix is not sent.

    Returns:
        The JSON body: system turn, user turn with image parts before the text part, decoding settings.
    """
    settings = request.generation
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    content = [{"type": "image_url", "image_url": {"url": url}} for url in image_urls]
    content.append({"type": "text", "text": request.text})
    messages.append({"role": "user", "content": content})
    body: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": settings.max_new_tokens}
    if request.assistant_prefix and continue_final_message:
        messages.append({"role": "assistant", "content": request.assistant_prefix})
        body.update(continue_final_message=True, add_generation_prompt=False)
    if temperature is not None:
        body["temperature"] = temperature
    else:
        body["temperature"] = settings.temperature if settings.do_sample else 0.0
    if settings.do_sample:
        body["top_p"] = settings.top_p
    stops = [s for s in settings.stop if s]
    if stops:
        body["stop"] = stops[:4]  # OpenAI's limit; the text is also cut here at every stop string
    body["seed"] = request.seed
    return body


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def retry_delay(attempt: int, retry_after: float | None, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (pure given ``rng``).

    The server's ``Retry-After`` wins when given (up to ``RETRY_AFTER_CEILING``); otherwise exponential
    backoff ``min(cap, base * 2**attempt)`` with "equal jitter" (uniform in its upper half), so that many
    clients throttled together do not retry in lockstep.
    """
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CEILING)
    ceiling = min(cap, base * 2**attempt)
    return rng.uniform(ceiling / 2, ceiling)


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def _retryable(status: int) -> bool:
    return status == 429 or 500 <= status < 600


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, per-attempt timeout and backoff."""

    max_retries: int = 5
    timeout: float = 60.0
    backoff: float = 1.0
    max_backoff: float = 60.0


def post_json(
    url: str,
    body: Mapping[str, Any] | None,
    api_key: str | None,
    policy: RetryPolicy,
    rng: random.Random,
    *,
    what: str = "request",
    sleep: Callable[[float], None] = time.sleep,
) -> Reply:
    """POST ``body`` as JSON (GET when ``body`` is None) and parse the JSON reply, retrying transient failures.

    Returns:
        A ``Reply`` with the parsed body, or with an error such as ``"HTTP 500: Internal Server Error (after 6
        attempts)"``; never raises for network or server trouble.
    """
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    data = None if body is None else json.dumps(body).encode("utf-8")
    error = "no attempt made"
    for attempt in range(policy.max_retries + 1):
        retry_after = None
        try:
            prepared = urllib.request.Request(url, data=data, headers=headers, method="GET" if data is None else "POST")
            with urllib.request.urlopen(prepared, timeout=policy.timeout) as answer:
                payload = answer.read()
            try:
                return Reply(json.loads(payload), attempts=attempt + 1)
            except ValueError:
                return Reply(None, f"invalid JSON in the server's reply: {payload[:200]!r}", attempt + 1)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            error = scrub(f"HTTP {exc.code}: {detail}", api_key)
            if not _retryable(exc.code):
                return Reply(None, error, attempt + 1)
            retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            error = scrub(f"connection error: {reason}", api_key)
        if attempt == policy.max_retries:
            break
        delay = retry_delay(attempt, retry_after, policy.backoff, policy.max_backoff, rng)
        logger.warning("%s: %s; retry %d/%d in %.2fs", what, error, attempt + 1, policy.max_retries, delay)
        sleep(delay)
    attempts = policy.max_retries + 1
    return Reply(None, f"{error} (after {attempts} attempt{'s' if attempts > 1 else ''})", attempts)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(2000).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        raw = ""
    try:
        message = json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = raw.strip() or str(exc.reason)
    return " ".join(str(message).split())[:300]


def to_response(reply: Reply) -> Response:
    """The ``Response`` for a chat-completions reply: the first choice's content and completion tokens."""
    if reply.body is None:
        return Response(text="", error=reply.error)
    try:
        content = reply.body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return Response(text="", error=f"malformed chat-completions reply: {str(reply.body)[:200]}")
    usage = reply.body.get("usage") or {}
    tokens = usage.get("completion_tokens") if isinstance(usage, Mapping) else None
    return Response(text=content or "", n_tokens=tokens if isinstance(tokens, int) else None)
