"""A deterministic dummy adapter: the backbone of pipeline tests and smoke runs.

Its answers are a pure function of the request (a hash of sample id, key and text), shaped so that every LAMM
parser has something to chew on: an option letter, a label from the request's options, a bracketed box, a
point and a count. ``fail_every=N`` makes every N-th request (by hash) fail, ``delay=S`` sleeps S seconds per
batch (for kill-and-resume tests). It never opens a media file and does not ask for decoded media (``media`` stays
``PATHS``), so the runner decodes nothing for it.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from lamm_bench.adapter import CHOICE, GENERATE, IMAGE, POINT_CLOUD, Adapter, ModelCard, config_from_args
from lamm_bench.errors import UserError
from lamm_bench.media import Media
from lamm_bench.records import Request, Response

LETTERS = "ABCDEF"
WORDS = ("cat", "dog", "airplane", "ship", "person", "chair", "table", "truck", "bird", "horse")


@dataclass(frozen=True)
class DummyConfig:
    """Settings of the dummy adapter."""

    seed: int = 0
    """Salt of the answer hash: different seeds give different (still deterministic) answers."""
    fail_every: int = 0
    """If > 0, every request whose hash is divisible by this fails (Response.error set)."""
    delay: float = 0.0
    """Seconds to sleep per batch."""

    def __post_init__(self) -> None:
        if self.fail_every < 0:
            raise UserError(f"adapter 'dummy': fail_every must be 0 or more, got {self.fail_every}")
        if not 0 <= self.delay < math.inf:
            raise UserError(f"adapter 'dummy': delay must be a finite number of seconds >= 0, got {self.delay}")


def _digest(request: Request, salt: int) -> int:
    text = f"{salt}\x00{request.sample_id}\x00{request.key}\x00{request.text}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


class DummyAdapter(Adapter):
    """Deterministic answers for every request kind and modality."""

    capabilities = frozenset({GENERATE, CHOICE, IMAGE, POINT_CLOUD})

    def __init__(self, args: Mapping[str, str]):
        self.config = config_from_args(DummyConfig, args, adapter="dummy")

    def load(self) -> None:
        """Nothing to load."""

    def describe(self) -> Mapping[str, object]:
        return {"adapter": "dummy", **asdict(self.config)}

    def _answer(self, request: Request) -> Response:
        h = _digest(request, self.config.seed)
        if self.config.fail_every and h % self.config.fail_every == 0:
            return Response(text="", error="dummy failure (fail_every)")
        letter = LETTERS[h % 5]
        word = request.options[h % len(request.options)] if request.options else WORDS[h % len(WORDS)]
        x1, y1 = (h >> 8) % 50 / 100, (h >> 16) % 50 / 100
        x2, y2 = x1 + 0.1 + (h >> 24) % 40 / 100, y1 + 0.1 + (h >> 32) % 40 / 100
        count = (h >> 40) % 12
        text = f"It is a {word} [{x1:.2f}, {y1:.2f}, {x2:.2f}, {y2:.2f}], about {count} of them. The answer is ({letter})."
        return Response(text=text, n_tokens=len(text.split()))

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        if self.config.delay:
            time.sleep(self.config.delay)
        return [self._answer(r) for r in requests]

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        if self.config.delay:
            time.sleep(self.config.delay)
        out = []
        for r in requests:
            h = _digest(r, self.config.seed)
            scores = tuple(-((h >> (4 * i)) % 97) / 10 for i in range(len(r.options)))
            best = max(range(len(scores)), key=scores.__getitem__) if scores else 0
            out.append(Response(text=r.options[best] if r.options else "", option_scores=scores))
        return out


ADAPTERS = {"dummy": "lamm_bench.model_adapters.dummy:DummyAdapter"}
CARDS = (ModelCard(name="dummy", adapter="dummy", description="deterministic answers for tests and smoke runs"),)
