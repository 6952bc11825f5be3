"""The LAMM decoder's incremental stop check finds exactly what decoding the whole text at every step finds."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
sentencepiece = pytest.importorskip("sentencepiece")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from lamm_bench.model_adapters.lamm.checkpoint import load_tokenizer  # noqa: E402
from lamm_bench.model_adapters.lamm.decode import generate  # noqa: E402
from lamm_bench.model_adapters.lamm.prompt import SEPARATOR, cut_at_stop  # noqa: E402
from lamm_bench.records import GenerationSettings  # noqa: E402
from tiny_lamm import _train_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    llm = tmp_path_factory.mktemp("tok") / "llm"
    llm.mkdir()
    _train_tokenizer(llm)
    return load_tokenizer(llm)


class ScriptedModel:
    """Emits each row's scripted tokens in order (then </s>): the decoder's logic without a network."""

    def __init__(self, tokenizer, scripts):
        self.tokenizer, self.scripts, self.vocab = tokenizer, scripts, tokenizer.processor.get_piece_size()

    def _logits(self, step):
        logits = torch.zeros(len(self.scripts), 1, self.vocab)
        for row, script in enumerate(self.scripts):
            logits[row, 0, script[step] if step < len(script) else self.tokenizer.eos_id] = 1.0
        return logits

    def embed(self, layouts, visual, left_pad):
        rows = len(self.scripts)
        return torch.zeros(rows, 1, 1), torch.ones(rows, 1, dtype=torch.long), torch.zeros(rows, 1, dtype=torch.long)

    def forward_logits(self, embeds, mask, positions, past=None, keep=1):
        step = 0 if past is None else past + 1
        return self._logits(step), step

    def embed_ids(self, ids):
        return torch.zeros(ids.shape[0], 1, 1)

    def prefill(self, layouts, visual, sources=None, *, budget=0, kv_cache="dynamic"):
        embeds, mask, positions = self.embed(layouts, visual, left_pad=True)
        logits, past = self.forward_logits(embeds, mask, positions)
        return logits, past, mask, positions


def naive(tokenizer, script, setting):
    """The old rule: decode everything after every token."""
    out = []
    for token in script[: setting.max_new_tokens]:
        if token == tokenizer.eos_id:
            break
        out.append(token)
        text = tokenizer.decode(out)
        if any(stop and stop in text for stop in (SEPARATOR, *setting.stop)):
            break
    return cut_at_stop(tokenizer.decode(out), setting.stop), len(out)


def _pieces(tokenizer):
    piece = tokenizer.processor.id_to_piece
    hashes = [i for i in range(tokenizer.processor.get_piece_size()) if "#" in piece(i)]
    bytes_ = [i for i in range(tokenizer.processor.get_piece_size()) if piece(i).startswith("<0x")]
    return hashes, bytes_


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_incremental_stops_equal_full_decoding(tokenizer, data):
    hashes, bytes_ = _pieces(tokenizer)
    vocab = tokenizer.processor.get_piece_size()
    piece = tokenizer.processor.piece_to_id
    # Stops that span several tokens: "#" + "##", "\n" as a byte token before "###", "é" as two byte tokens.
    spans = [[piece("#")], [piece("##")], [piece("<0x0A>")], [piece("<0xC3>"), piece("<0xA9>")], [piece("<0xC3>")]]
    token = st.one_of(st.sampled_from(hashes), st.sampled_from(bytes_), st.integers(3, vocab - 1),
                      st.just(tokenizer.eos_id), st.just(tokenizer.unk_id))  # fmt: skip
    chunk = st.one_of(st.lists(token, min_size=1, max_size=3), st.sampled_from(spans))
    rows = data.draw(st.integers(1, 4))
    scripts = [[t for c in data.draw(st.lists(chunk, max_size=30)) for t in c] for _ in range(rows)]
    stop_choices = st.sampled_from([(), ("\n###",), ("a",), ("é",), ("\n", "##"), ("é#",)])
    settings_ = [GenerationSettings(max_new_tokens=data.draw(st.integers(1, 70)), stop=data.draw(stop_choices))
                 for _ in range(rows)]  # fmt: skip
    decoded = generate(ScriptedModel(tokenizer, scripts), [None] * rows, None, settings_, [0] * rows)
    for script, setting, out in zip(scripts, settings_, decoded):
        assert (out.text, out.n_tokens) == naive(tokenizer, script, setting)


def test_a_stop_deep_into_a_long_answer_is_found(tokenizer):
    filler = tokenizer.encode(" the cat sat on the mat") * 40  # about 300 tokens before the stop
    script = filler + tokenizer.encode("###") + filler
    (out,) = generate(ScriptedModel(tokenizer, [script]), [None], None, [GenerationSettings(max_new_tokens=800)], [0])
    assert (out.text, out.n_tokens) == naive(tokenizer, script, GenerationSettings(max_new_tokens=800))
    assert out.n_tokens < len(script)
