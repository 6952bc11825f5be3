"""Golden test: ``lamm-bench run --model lamm-7b`` / ``lamm3d-13b`` feeds the LLM, for every paper-protocol task,
exactly the token sequence of the LAMM inference code that produced the published tables (``97cdc1c``).

``tests/fixtures/lamm_paper_layouts.json`` holds what the reference's own ``generate_conversation_text`` and
``prepare_generation_embedding`` built for one record of each meta file, and those records (how it was derived is
written in the file). Here the real runner drives the ``lamm`` adapter (tiny weights, real SentencePiece
tokenizer) over the same records, with the decoder stubbed to give the same reply, and every layout that reaches
the decoder must be ``<s>`` + the reference's head segment + its visual slots + its tail segment, each segment
tokenized on its own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("open_clip")
pytest.importorskip("peft")
pytest.importorskip("trimesh")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import lamm_bench  # noqa: E402
from lamm_bench.model_adapters.lamm import decode  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.registry import resolve_tasks  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402

GOLDEN = json.loads((Path(__file__).parents[1] / "fixtures" / "lamm_paper_layouts.json").read_text(encoding="utf-8"))
PAPER_2D = ["cifar10", "voc2012", "scienceqa", "ai2d", "flickr30k", "ucmerced", "fsc147", "svt", "celeba-smile",
            "celeba-hair", "lsp", "binary-loc"]  # fmt: skip
PAPER_3D = ["scannet-det", "scanrefer", "scanqa"]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """The golden's records in a data root, with placeholder media: the visual features are stubbed, so only the
    records' text reaches the layouts."""
    folder = tmp_path_factory.mktemp("mini_golden")
    for meta_file, records in GOLDEN["records"].items():
        path = folder / meta_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records), encoding="utf-8")
        for record in records:
            media = path.parent.parent / record.get("image", record.get("pcl", ""))
            media.parent.mkdir(parents=True, exist_ok=True)
            if "image" in record:
                Image.new("RGB", (64, 96), (255, 255, 255)).save(media)
            else:
                np.save(media, np.zeros((64, 6), dtype=np.float32))
    return folder


def _run(monkeypatch, root: Path, data: Path, out: Path, card: str, tasks: list[str]) -> dict:
    """Run ``card`` on ``tasks`` (the first record of each meta file) and return ``{(task, sample, key): layout}``."""
    seen: dict = {}
    current: list[str] = []
    original = LammAdapter.generation_layouts

    def recording(self, requests):
        layouts = original(self, requests)
        for request, layout in zip(requests, layouts):
            seen[(current[-1], request.sample_id, request.key)] = layout
        return layouts

    def stub_generate(model, layouts, visual, settings, seeds, **options):  # options: kv_cache, ...
        return [decode.Decoded(text=GOLDEN["reply"], n_tokens=4) for _ in layouts]

    def no_pixels(self, requests, transform, media=None):  # visual features are tested elsewhere; only the layout counts here
        return torch.zeros(len(requests), self.config.num_vision_tokens, tiny_lamm.HIDDEN), list(range(len(requests)))

    monkeypatch.setattr(LammAdapter, "generation_layouts", recording)
    monkeypatch.setattr(LammAdapter, "_visual", no_pixels)
    monkeypatch.setattr(decode, "generate", stub_generate)
    for task in tasks:  # one run per task, so each recorded layout knows its task
        current.append(task)
        lamm_bench.evaluate(card, [task], data_root=data, out_dir=out, batch_size=4,
                            limit=1 if card == "lamm3d-13b" else None, write=False,
                            model_args={**tiny_lamm.TINY_ARGS, "models_root": str(root)})
    return seen


def _expected(task: str, spec_name: str) -> list[tuple[str, dict]]:
    """``(sample-id prefix, golden call)`` for a lamm-bench task (binary-loc pools two meta files)."""
    pooled = [k for k in GOLDEN["tasks"] if k.startswith(spec_name + ":")]
    if pooled:
        return [(k.split(":", 1)[1] + ":", call) for k in pooled for call in GOLDEN["tasks"][k]]
    return [("", call) for call in GOLDEN["tasks"][task]]


@pytest.mark.parametrize(("card", "tasks"), [("lamm-7b", PAPER_2D), ("lamm3d-13b", PAPER_3D)])
def test_every_paper_task_feeds_the_reference_token_sequence(monkeypatch, root, data, tmp_path, card, tasks):
    assert {t.name for t in resolve_tasks(["lamm2d" if card == "lamm-7b" else "lamm3d"])} == set(tasks)
    seen = _run(monkeypatch, root, data, tmp_path, card, tasks)
    tok = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root)})
    tok.load()
    encode, bos = tok.model.tokenizer.encode, tok.model.tokenizer.bos_id
    checked = 0
    for task in tasks:
        for prefix, call in _expected(task, task):
            matches = [v for (t, sid, key), v in seen.items() if t == task and sid.startswith(prefix)
                       and key == call["key"]]  # fmt: skip
            assert len(matches) == 1, (task, prefix, call["key"], sorted(k for k in seen if k[0] == task))
            layout = matches[0]
            assert layout.before == (bos, *encode(call["before"])), (task, call["key"])
            assert layout.n_visual == call["n_visual"] == 256
            assert list(layout.after) == encode(call["after"]), (task, call["key"], call["after"])
            checked += 1
    assert checked == len([k for k in seen if k[0] in tasks]) > 0


def test_the_golden_names_the_published_form():
    """The fixture itself: 2D and 3D alike send ``### Human: <Img>`` and ``sys### Human: q\\n`` (this query ends in
    a newline of its own)."""
    science = GOLDEN["tasks"]["scienceqa"]
    assert science[0]["before"] == "### Human: <Img>"
    assert science[0]["after"].startswith("</Img> \nYou are an AI visual assistant that can analyze a single image.")
    assert science[0]["after"].endswith(
        "\n### Human: Which color is shown? \nContext: a picture.\nOptions: (A) blue (B) purple\n\n\n### Assistant:"
    )
    assert science[1]["after"].endswith("(B) purple\nIt is a cat. ###\nANSWER:\n\n### Assistant:")
    scanqa = GOLDEN["tasks"]["scanqa"]
    assert {c["before"] for c in scanqa} == {"### Human: <Img>"}  # the reference never set vision_type to pcl
    assert all(c["after"].startswith("</Img> ") for c in scanqa)
