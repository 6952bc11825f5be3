"""`--decoding paper`: the paper-era sampling reaches the adapter, and never shares a store with greedy runs; the
LAMM decoder filters logits as Hugging Face's sampling does."""

import pytest

import lamm_bench
from lamm_bench.model_adapters.dummy import DummyAdapter


class RecordingDummy(DummyAdapter):
    def __init__(self):
        super().__init__({})
        self.settings = []

    def generate(self, requests, media=None):
        self.settings += [r.generation for r in requests]
        return super().generate(requests, media)


def test_paper_decoding_samples_like_the_reference_and_is_stored_apart(mini_root, tmp_path):
    greedy = RecordingDummy()
    [first] = lamm_bench.evaluate(greedy, "scienceqa", data_root=mini_root, out_dir=tmp_path, name="m", limit=2)
    assert {(g.do_sample, g.max_new_tokens) for g in greedy.settings} == {(False, 400)}
    sampled = RecordingDummy()
    [second] = lamm_bench.evaluate(sampled, "scienceqa", data_root=mini_root, out_dir=tmp_path, name="m", limit=2,
                                   decoding="paper")  # fmt: skip
    # transformers 4.29/4.31 generate(top_p=0.9, temperature=1.0, do_sample=True) also applied its default top_k 50
    assert {(g.do_sample, g.top_p, g.temperature, g.top_k, g.max_new_tokens) for g in sampled.settings} == {
        (True, 0.9, 1.0, 50, 400)
    }
    assert second["throughput"]["new_requests"] == 4  # nothing reused from the greedy run
    assert (first["task"]["settings"]["decoding"], second["task"]["settings"]["decoding"]) == ("greedy", "paper")


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), [(1.0, 50, 0.9), (0.7, 5, 0.8), (1.3, 0, 0.95), (1.0, 3, 1.0)])
def test_lamm_sampling_filter_equals_transformers_warpers(temperature, top_k, top_p):
    torch = pytest.importorskip("torch")
    warpers = pytest.importorskip("transformers.generation.logits_process")
    from lamm_bench.model_adapters.lamm.decode import sampling_logits
    from lamm_bench.records import GenerationSettings

    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 400, generator=generator) * 3
    logits[0, :10] = 5.0  # ties at the k-th value are kept, as TopKLogitsWarper keeps them
    chain = [warpers.TemperatureLogitsWarper(temperature)]
    if top_k:
        chain.append(warpers.TopKLogitsWarper(top_k))
    if top_p < 1.0:
        chain.append(warpers.TopPLogitsWarper(top_p))
    expected = logits.clone()
    for warper in chain:
        expected = warper(None, expected)
    setting = GenerationSettings(do_sample=True, temperature=temperature, top_k=top_k, top_p=top_p)
    got = torch.stack([sampling_logits(row, setting) for row in logits])
    assert torch.equal(torch.isinf(got), torch.isinf(expected))
    kept = ~torch.isinf(expected)
    torch.testing.assert_close(got[kept], expected[kept])
    if top_k:
        assert int((~torch.isinf(got[1])).sum()) <= top_k
