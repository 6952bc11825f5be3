"""Golden test (issue 19): for every ChEF scenario, the ``lamm`` adapter feeds the LLM exactly the PPL token layout of
ChEF's LAMM forward at ``e3117c0`` (and the CoT generation of ``d01093c``), with ChEF's options in ChEF's order.

``tests/fixtures/chef_ppl_layouts.json`` holds what the reference's own code built for a few hand-made records of
each scenario, and those records (how it was derived is written in the file; the script is
``tests/fixtures/chef/derive_ppl_layouts.py``). Here the real runner drives the ``lamm`` adapter (tiny weights, real
SentencePiece tokenizer) over the same records, the CoT generation stubbed to give the fixture's CoT and the option
scores stubbed (scoring is tested elsewhere; only what reaches the LLM counts here). Every request must be:
``<s>`` + the reference's head + 256 visual slots + its human tail, then per option its gpt segment, each segment
tokenized on its own, with the option's tokens scored where the reference's ``do_ppl`` found them (its first
match, ``d01093c``'s rule).

Every ``chef`` task must have its entries (the nine scenarios: the five on LAMM's meta files, and Omnibenchmark,
MMBench, SEED-Bench and MME on their own formats); a new one gets them by rerunning the derive script with the
scenario added to its ``SCENARIOS``.
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

import lamm_bench  # noqa: E402
from lamm_bench import api, runner  # noqa: E402
from lamm_bench.model_adapters.lamm import decode  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.model_adapters.lamm.checkpoint import load_tokenizer  # noqa: E402
from lamm_bench.model_adapters.lamm.model import LammModel  # noqa: E402
from lamm_bench.registry import resolve_tasks  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402
from chef_data_fixtures import write_golden_records  # noqa: E402

GOLDEN = json.loads((Path(__file__).parents[1] / "fixtures" / "chef_ppl_layouts.json").read_text(encoding="utf-8"))
CHEF = [spec.name for spec in resolve_tasks(["chef"])]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """The golden's data in a data root, each file in its format (``write_golden_records``: LAMM's and Omnibenchmark's
    meta files, MMBench's TSV with base64 images, SEED-Bench's JSON, MME's subtask folders, the Bamboo hierarchy),
    each image a small real picture (only the data's text reaches the layouts: the visual features are stubbed)."""
    return write_golden_records(tmp_path_factory.mktemp("chef_golden"), GOLDEN["records"])


@pytest.fixture(scope="module")
def seen(root, data, tmp_path_factory) -> dict:
    """Run the ``lamm`` adapter (card ``lamm-7b``, tiny weights) on every chef task with a golden entry, and return
    ``{task: [(request, layout), ...]}``, and under ``(task, "order")`` each sample's request keys in the order its
    plan asks them."""
    patch = pytest.MonkeyPatch()
    out: dict = {}
    current: list[str] = []
    choice_layouts, generation_layouts, evaluate_task, plan_sample = (
        LammAdapter.choice_layouts, LammAdapter.generation_layouts, api.evaluate_task, runner.plan_sample)  # fmt: skip

    def by_task(runner, adapter, info, task, settings):
        current.append(task.spec.name)
        return runner(adapter, info, task, settings)

    def recording_choice(self, request):
        layout = choice_layouts(self, request)
        out.setdefault(current[-1], []).append((request, layout))
        return layout

    def recording_generation(self, requests):
        layouts = generation_layouts(self, requests)
        out.setdefault(current[-1], []).extend(zip(requests, layouts))
        return layouts

    def planned(task, sample, *args, **kwargs):
        plan = plan_sample(task, sample, *args, **kwargs)
        out.setdefault((task.spec.name, "order"), {})[sample.id] = [r.key for r in plan.requests]
        return plan

    patch.setattr(api, "evaluate_task", lambda *a: by_task(evaluate_task, *a))
    patch.setattr(runner, "plan_sample", planned)
    patch.setattr(LammAdapter, "choice_layouts", recording_choice)
    patch.setattr(LammAdapter, "generation_layouts", recording_generation)
    patch.setattr(LammAdapter, "_visual", lambda self, requests, transform, media=None: (torch.zeros(
        len(requests), self.config.num_vision_tokens, tiny_lamm.HIDDEN), list(range(len(requests)))))  # fmt: skip
    patch.setattr(decode, "generate", lambda model, layouts, visual, settings, seeds, **kwargs: [
        decode.Decoded(text=GOLDEN["cot"], n_tokens=8) for _ in layouts])  # fmt: skip
    patch.setattr(LammModel, "shared_option_scores", lambda self, choices, visual: [
        [0.0] * len(c.answers) for c in choices])  # fmt: skip
    try:
        lamm_bench.evaluate("lamm-7b", [t for t in CHEF if t in GOLDEN["tasks"]], data_root=data,
                            out_dir=tmp_path_factory.mktemp("chef_golden_out"), batch_size=4, write=False,
                            model_args={**tiny_lamm.TINY_ARGS, "models_root": str(root)})  # fmt: skip
    finally:
        patch.undo()
    return out


@pytest.fixture(scope="module")
def tokenizer(root):
    """The tiny LAMM's tokenizer, as the adapter loads it."""
    return load_tokenizer(root / tiny_lamm.TINY_ARGS["llm_name"])


def _first_match(answer: list[int], option: list[int]) -> int:
    """``d01093c``'s ``do_ppl``: the first index where the option's tokens run in the answer's."""
    return next(s for s in range(len(answer)) if answer[s : s + len(option)] == option)


def _check_choice(tok, request, layout, call: dict) -> None:
    encode, where = tok.encode, (request.sample_id, request.key)
    assert list(request.options) == call["options"], where
    assert layout.prefix.before == (tok.bos_id, *encode(call["head"])), where
    assert layout.prefix.n_visual == GOLDEN["n_visual"] == 256
    assert list(layout.prefix.after) == encode(call["tail"]), (where, call["tail"])
    assert [list(a) for a in layout.answers] == [encode(a) for a in call["answers"]], where
    assert all(layout.exact), where
    for k, (option, answer) in enumerate(zip(call["options"], call["answers"])):
        n = len(encode(option))
        start = call["option_at"][k]
        assert start == _first_match(encode(answer.removesuffix("\n###")), encode(option))
        assert layout.spans[k] == (start, start + n), (where, option)
        assert list(layout.answers[k][start : start + n]) == encode(option)
        assert layout.full(k).option_span == tuple(call["scored"][k]), (where, option)


def _check_generation(tok, request, layout, call: dict) -> None:
    where, settings = (request.sample_id, request.key), request.generation
    assert layout.before == (tok.bos_id, *tok.encode(call["head"])), where
    assert layout.n_visual == GOLDEN["n_visual"]
    assert list(layout.after) == tok.encode(call["tail"]), (where, call["tail"])
    expected = call["settings"]
    assert (settings.max_new_tokens, settings.top_p, settings.temperature, settings.do_sample) == (
        expected["max_new_tokens"], expected["top_p"], expected["temperature"], expected["do_sample"])  # fmt: skip


@pytest.mark.parametrize("task", CHEF)
def test_every_chef_request_is_the_reference_ppl_layout(seen, tokenizer, task):
    assert task in GOLDEN["tasks"], f"{task}: no golden entry in tests/fixtures/chef_ppl_layouts.json"
    calls = GOLDEN["tasks"][task]
    got = seen[task]
    # One layout per reference call, and each sample's requests asked in the reference's order (ChEF's turn order;
    # the CoT first).
    assert sorted((r.sample_id, r.key) for r, _ in got) == sorted((c["sample"], c["key"]) for c in calls)
    order = seen[(task, "order")]
    assert set(order) == {c["sample"] for c in calls}
    for sample, keys in order.items():
        assert keys == [c["key"] for c in calls if c["sample"] == sample], sample
    layouts = {(r.sample_id, r.key): (r, layout) for r, layout in got}
    for call in calls:
        request, layout = layouts[(call["sample"], call["key"])]
        assert request.kind == call["kind"]
        check = _check_choice if call["kind"] == "choice" else _check_generation
        check(tokenizer, request, layout, call)


def test_the_golden_covers_the_nine_chef_scenarios():
    names = ("cifar10", "flickr30k", "voc2012", "omnibenchmark", "fsc147", "scienceqa", "mmbench", "seedbench", "mme")
    assert set(GOLDEN["tasks"]) == set(CHEF) == {f"chef-{name}" for name in names}


def test_the_golden_holds_the_reference_quirks():
    """The fixture itself: no trailing space after ``### Assistant:``, no system message in the PPL rows, the doubled
    ``### Human:`` with the simple template's system text in the CoT prompt, and a CoT that holds ``(B`` so that
    option is scored on the CoT's tokens (first match) while the others are scored in the answer."""
    sqa = GOLDEN["tasks"]["chef-scienceqa"]
    cot, ppl = sqa[0], sqa[1]
    assert cot["tail"].startswith("</Img> You are a large language model that can recognize visual contents based on "
                                  "LLaMA architecture.You are designed")  # fmt: skip
    assert cot["tail"].endswith("\n\n\nLet's think step by step.\n\n### Assistant:")
    assert cot["tail"].count("### Human: ") == 1 and cot["head"] == "### Human: <Img>"
    assert ppl["tail"].endswith("\nThe answer is\n### Assistant:") and ppl["head"] == "### Human: <Img>"
    assert ppl["answers"][1] == GOLDEN["cot"] + "\nThe answer is (B\n###"
    assert ppl["option_at"][1] < ppl["option_at"][0] == ppl["option_at"][2]


def test_the_golden_holds_the_quirks_of_chefs_own_formats():
    """The fixture on ChEF's own formats: MMBench's hint before the question, its options prompt over the columns
    that have a value (two to five), a circular copy under its own index, the CoT first (``(B`` scored on the CoT's
    tokens); SEED-Bench's ``Answer:`` glued to the query, its video question left out; MME's question alone (the
    empty query), subtasks in ChEF's order (``count`` before ``artwork``); Omnibenchmark's level k naming the label
    of level k-1, the options siblings in the Bamboo hierarchy (``reptile`` is no one's option: its name belongs to
    ``lizard``'s id)."""
    tasks = GOLDEN["tasks"]
    mmbench = {c["sample"]: c for c in tasks["chef-mmbench"] if c["kind"] == "choice"}
    assert list(mmbench) == ["5", "1000005", "12", "13", "20"]
    assert mmbench["20"]["tail"] == (
        "</Img> Think about food. Which of these can you eat? There are several options:\n(A) a car\n(B) an apple\n"
        "(C) a stone\n(D) a shoe\n(E) a lamp\nWhat is the correct option for this question?\n### Assistant:"
    )
    assert mmbench["12"]["tail"].startswith("</Img> Which color? There are several options:\n(A) red\n(B) green\n")
    assert [len(c["options"]) for c in mmbench.values()] == [4, 4, 2, 3, 5]
    assert all(c["option_at"][1] < c["option_at"][0] for c in mmbench.values())
    seed = tasks["chef-seedbench"]
    assert [c["sample"] for c in seed] == ["101", "103"]
    assert seed[0]["tail"] == (
        "</Img> Question: What is on the table?\nAnswer:The answer for the question is\n### Assistant:")  # fmt: skip
    assert seed[0]["options"] == ["A cup", "A dog", "U.S. flag", "Nothing"]
    mme = tasks["chef-mme"]
    assert [c["tail"] for c in mme[::2]] == [
        "</Img> Are there two dogs in the image? Please answer yes or no.\n### Assistant:",
        "</Img> Is this artwork by Monet? Please answer yes or no.\n### Assistant:"]  # fmt: skip
    assert all(c["options"] == ["Yes", "No"] and c["answers"][0] == "The answer is Yes\n###" for c in mme)
    omni = [c for c in tasks["chef-omnibenchmark"] if c["sample"] == "0"]
    assert [c["key"] for c in omni] == ["level0", "level1", "level2"]
    assert omni[2]["tail"].startswith("</Img> As the coarse-grained category label for this image is mammal, what is")
    assert sorted(omni[1]["options"]) == ["bird", "fish", "lizard", "mammal"]
    assert all("reptile" not in c["options"] for c in tasks["chef-omnibenchmark"])
