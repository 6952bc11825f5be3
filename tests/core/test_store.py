"""The resumable prediction store: torn lines, retried failures, durable appends."""

from lamm_bench.records import Response
from lamm_bench.store import PredictionStore, StoredResponse


def test_torn_last_line_is_ignored_and_cut_before_next_append(tmp_path):
    store = PredictionStore(tmp_path / "s.jsonl")
    store.append([StoredResponse("1", "", "a"), StoredResponse("2", "", "b")])
    with store.path.open("a") as fh:
        fh.write('{"sample_id": "3", "key": "", "te')  # the process died mid-write
    assert set(store.read()) == {("1", ""), ("2", "")}
    store.append([StoredResponse("3", "", "c")])
    assert {k: v.text for k, v in store.read().items()} == {("1", ""): "a", ("2", ""): "b", ("3", ""): "c"}
    assert store.path.read_text().count("\n") == 3


def test_failures_are_not_done_and_a_later_success_wins(tmp_path):
    store = PredictionStore(tmp_path / "s.jsonl")
    store.append([StoredResponse.of("1", "k", Response(text="", error="HTTP 500"))])
    assert store.read() == {}
    assert set(store.read_failures()) == {("1", "k")}
    store.append([StoredResponse.of("1", "k", Response(text="ok", n_tokens=1))])
    assert store.read()[("1", "k")].text == "ok" and store.read_failures() == {}


def test_garbage_lines_are_skipped(tmp_path):
    store = PredictionStore(tmp_path / "s.jsonl")
    store.path.write_text('not json\n{"unexpected": 1}\n')
    store.append([StoredResponse("1", "", "a")])
    assert list(store.read()) == [("1", "")]
