"""The ``openai`` adapter: any OpenAI-compatible chat-completions server (vLLM, SGLang, hosted APIs).

Images go as base64 data URLs in the user turn's content parts (before the text), the system message as a
system turn. Requests run on a bounded thread pool (``concurrency``); 429s, 5xx and connection failures are
retried with exponential backoff and jitter, honouring ``Retry-After``. A request that still fails comes back as
``Response(text="", error=...)``, which the runner counts -- it is never silently replaced by a made-up answer.
The API key is read from the environment at ``load()`` and is never logged, described or written anywhere.
Choice scoring needs token log-likelihoods of given text, which chat-completions servers do not offer, so
``capabilities`` has no ``choice``. Standard library only.
"""

from __future__ import annotations

import logging
import math
import os
import random
import urllib.parse
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lamm_bench.adapter import GENERATE, IMAGE, PATHS, Adapter, config_from_args
from lamm_bench.checks import public_url
from lamm_bench.errors import UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters.openai import impl
from lamm_bench.model_adapters._common import cut_at_stop
from lamm_bench.records import Request, Response

logger = logging.getLogger(__name__)

ADAPTERS = {"openai": "lamm_bench.model_adapters.openai:OpenAIAdapter"}


@dataclass(frozen=True)
class OpenAIConfig:
    """Arguments of the ``openai`` adapter (``--model-arg key=value``). The key itself is never an argument."""

    base_url: str = ""
    """The API root, e.g. ``http://localhost:8000/v1`` (``/chat/completions`` is appended)."""
    model: str = ""
    """The served model's name, as the server knows it."""
    concurrency: int = 4
    """Requests in flight at once."""
    max_retries: int = 5
    """Retries after the first attempt, on 429, 5xx and connection errors."""
    timeout: float = 60.0
    """Seconds per attempt."""
    backoff: float = 1.0
    """Base of the exponential backoff, in seconds (the wait before retry k is about ``backoff * 2**k``)."""
    max_backoff: float = 60.0
    """Upper bound on one backoff wait (a server's ``Retry-After`` is honoured beyond it)."""
    temperature: float | None = None
    """Overrides every request's temperature (default: 0 for greedy requests, the task's when sampling)."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the API key (unset: no ``Authorization`` header, fine for local servers)."""
    continue_final_message: bool = True
    """Send a request's ``assistant_prefix`` as an open assistant turn (vLLM/SGLang extension); false drops it."""
    check_server: bool = True
    """At ``load()``, GET ``/models`` once: fail early if the server is unreachable or rejects the key."""

    def __post_init__(self) -> None:
        if not self.base_url or not self.model:
            raise UserError("adapter 'openai' needs --model-arg base_url=URL and --model-arg model=NAME")
        try:
            scheme = urllib.parse.urlsplit(self.base_url).scheme
        except ValueError:  # a malformed address (an unclosed IPv6 bracket)
            scheme = ""
        if scheme not in ("http", "https"):
            shown = public_url(self.base_url)  # never echo a credential the address may carry
            raise UserError(f"adapter 'openai': base_url={shown!r} must start with http:// or https://")
        finite = 0 < self.timeout < math.inf and 0 <= self.backoff < math.inf
        if self.concurrency < 1 or self.max_retries < 0 or not finite:
            raise UserError("adapter 'openai': concurrency >= 1, max_retries >= 0, timeout > 0, backoff >= 0 (finite)")
        if not 0 <= self.max_backoff < math.inf or not (self.temperature is None or 0 <= self.temperature < math.inf):
            raise UserError("adapter 'openai': max_backoff and temperature must be finite numbers >= 0")


class OpenAIAdapter(Adapter):
    """An OpenAI-compatible chat-completions server (see the module docstring)."""

    capabilities = frozenset({GENERATE, IMAGE})
    media = PATHS
    """It sends the image files' bytes, so the runner decodes nothing for it (it checks each file decodes itself)."""

    def __init__(self, args: Mapping[str, str]):
        self.config: OpenAIConfig = config_from_args(OpenAIConfig, args, adapter="openai")
        self._api_key: str | None = None
        self._loaded = False
        self._rng = random.Random()
        self._policy = impl.RetryPolicy(
            max_retries=self.config.max_retries, timeout=self.config.timeout,
            backoff=self.config.backoff, max_backoff=self.config.max_backoff,
        )

    def __repr__(self) -> str:  # the default would be harmless, but make sure no key ever shows
        return f"OpenAIAdapter(base_url={public_url(self.config.base_url)!r}, model={self.config.model!r})"

    def _url(self, endpoint: str) -> str:
        return self.config.base_url.rstrip("/") + endpoint

    def load(self) -> None:
        """Read the API key from the environment and (unless ``check_server=false``) check the server."""
        self._api_key = os.environ.get(self.config.api_key_env) or None
        if self.config.check_server:
            self._check_server()
        self._loaded = True

    def _check_server(self) -> None:
        policy = impl.RetryPolicy(max_retries=0, timeout=min(self.config.timeout, 10.0))
        reply = impl.post_json(self._url("/models"), None, self._api_key, policy, self._rng, what="server check")
        where = public_url(self.config.base_url)
        if reply.error and reply.error.startswith("connection error"):
            raise UserError(f"openai server {where} is not reachable: {reply.error}")
        if reply.error and reply.error.startswith(("HTTP 401", "HTTP 403")):
            source = f"${self.config.api_key_env}" + ("" if self._api_key else " (unset)")
            raise UserError(f"openai server {where} rejected the API key from {source}: {reply.error}")
        served = [m.get("id") for m in (reply.body or {}).get("data", []) if isinstance(m, Mapping)]
        if served and self.config.model not in served:
            logger.warning("openai server %s does not list model %r (it lists %s)", where, self.config.model, served)

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Send every request (at most ``concurrency`` at once); same length and order as ``requests``."""
        if not self._loaded:
            self.load()
        if not requests:
            return []
        workers = min(self.config.concurrency, len(requests))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lamm-bench-openai") as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: Request) -> Response:
        urls = [impl.image_data_url(path, sample_id=request.sample_id) for path in request.images]
        body = impl.chat_body(
            request, self.config.model, urls, temperature=self.config.temperature,
            continue_final_message=self.config.continue_final_message,
        )
        what = f"openai sample {request.sample_id!r}"
        reply = impl.post_json(self._url("/chat/completions"), body, self._api_key, self._policy, self._rng, what=what)
        response = impl.to_response(reply)
        if response.error is not None:
            error = impl.scrub(response.error, self._api_key)
            logger.warning("%s failed: %s", what, error)
            return Response(text="", error=error)
        return Response(text=cut_at_stop(response.text, request.generation.stop).strip(), n_tokens=response.n_tokens)

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Not available: chat-completions servers do not score given text."""
        raise UserError(
            "adapter 'openai' cannot score choices (a chat-completions server gives no log-likelihood of given "
            "text); use a generate-protocol task or the hf adapter"
        )

    def describe(self) -> Mapping[str, object]:
        """Settings that change answers: server (without credentials), model, temperature, prefix handling."""
        return {
            "base_url": public_url(self.config.base_url),
            "model": self.config.model,
            "temperature": self.config.temperature,
            "continue_final_message": self.config.continue_final_message,
        }
