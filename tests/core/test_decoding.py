"""`--decoding paper`: the paper-era sampling reaches the adapter, and never shares a store with greedy runs."""

import lamm_bench
from lamm_bench.model_adapters.dummy import DummyAdapter


class RecordingDummy(DummyAdapter):
    def __init__(self):
        super().__init__({})
        self.settings = []

    def generate(self, requests):
        self.settings += [r.generation for r in requests]
        return super().generate(requests)


def test_paper_decoding_samples_like_the_reference_and_is_stored_apart(mini_root, tmp_path):
    greedy = RecordingDummy()
    [first] = lamm_bench.evaluate(greedy, "scienceqa", data_root=mini_root, out_dir=tmp_path, name="m", limit=2)
    assert {(g.do_sample, g.max_new_tokens) for g in greedy.settings} == {(False, 400)}
    sampled = RecordingDummy()
    [second] = lamm_bench.evaluate(sampled, "scienceqa", data_root=mini_root, out_dir=tmp_path, name="m", limit=2,
                                   decoding="paper")  # fmt: skip
    assert {(g.do_sample, g.top_p, g.temperature, g.max_new_tokens) for g in sampled.settings} == {(True, 0.9, 1.0, 400)}
    assert second["throughput"]["new_requests"] == 4  # nothing reused from the greedy run
    assert (first["task"]["settings"]["decoding"], second["task"]["settings"]["decoding"]) == ("greedy", "paper")
