"""How requests are cut into batches: every request once, kinds apart, longest first, and the questions about one
figure or scene next to each other (so a batch holds them together and a model can share their prompt prefix)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.batching import make_batches
from lamm_bench.records import Request


def _request(i: int, kind: str, media: int, text: str) -> Request:
    return Request(sample_id=f"{i:03d}", kind=kind, system=None, text=text, images=(f"img{media}.png",) if media else (),
                   options=("a", "b") if kind == "choice" else ())  # fmt: skip


requests = st.lists(st.tuples(st.sampled_from(["generate", "choice"]), st.integers(0, 4), st.text(max_size=12)),
                    max_size=30).map(lambda rows: [_request(i, *row) for i, row in enumerate(rows)])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(requests=requests, size=st.integers(1, 8))
def test_every_request_once_kinds_apart_and_one_medias_requests_together(requests, size):
    batches = make_batches(requests, size)
    flat = [r for batch in batches for r in batch]
    assert sorted(r.sample_id for r in flat) == sorted(r.sample_id for r in requests)
    assert all(0 < len(batch) <= size and len({r.kind for r in batch}) == 1 for batch in batches)
    runs = [(r.kind, r.images) for r in flat]
    seen = set()
    for at, media in enumerate(runs):  # a media's requests form one run in the order
        assert media not in seen or runs[at - 1] == media
        seen.add(media)
    for kind, images in seen:  # longest text first within a media's run
        lengths = [len(r.text) for r in flat if (r.kind, r.images) == (kind, images)]
        assert lengths == sorted(lengths, reverse=True)


@given(texts=st.lists(st.text(max_size=12), max_size=20), size=st.integers(1, 8))
def test_with_one_request_per_media_the_order_is_by_length(texts, size):
    requests = [_request(i, "generate", i + 1, text) for i, text in enumerate(texts)]
    flat = [r for batch in make_batches(requests, size) for r in batch]
    assert flat == sorted(requests, key=lambda r: (-len(r.text), r.sample_id))


def test_a_figures_questions_share_a_batch():
    # LSP-like: two figures, three joints each, with names of different lengths; lengths alone would interleave them
    joints = ["neck", "right ankle", "left wrist"]
    requests = [_request(3 * f + j, "generate", f + 1, f"Where is the {name}?") for f in range(2) for j, name in enumerate(joints)]
    batches = make_batches(requests, 3)
    assert [{r.images for r in batch} for batch in batches] == [{("img1.png",)}, {("img2.png",)}]
    assert [r.text for r in batches[0]] == ["Where is the right ankle?", "Where is the left wrist?", "Where is the neck?"]
