"""The typed adapter contract: ``lamm_bench.Adapter`` and what happens to adapters written against the older one."""

from __future__ import annotations

import json
import logging

import pytest

import lamm_bench
from lamm_bench.adapter import CHOICE, DECODED, GENERATE, IMAGE, Adapter, LegacyAdapter, as_adapter
from lamm_bench.errors import UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters.dummy import DummyAdapter
from lamm_bench.records import Request, Response


class OldStyle:
    """An adapter written before ``Adapter`` existed: a plain class, ``generate(requests)`` without media."""

    capabilities = frozenset({GENERATE, IMAGE})

    def __init__(self):
        self.dummy = DummyAdapter({})
        self.calls = []

    def load(self):
        pass

    def describe(self):
        return {"adapter": "old-style"}

    def generate(self, requests):
        self.calls.append(len(requests))
        return self.dummy.generate(requests)


class OldStyleDecoded(OldStyle):
    """The older contract's other half: ``media = "decoded"`` and ``generate(requests, media=None)``."""

    media = "decoded"

    def generate(self, requests, media=None):
        assert isinstance(media, Media) and all(p in media.images for r in requests for p in r.images)
        return super().generate(requests)


def test_the_base_class_refuses_nothing_and_raises_for_what_it_cannot_do():
    class GenerateOnly(Adapter):
        capabilities = frozenset({GENERATE, IMAGE})

        def load(self):
            pass

        def describe(self):
            return {}

    adapter = GenerateOnly()
    request = Request(sample_id="0", kind="choice", system="", text="t", options=("a", "b"))
    assert adapter.refuse(request) is None and adapter.media == "paths"
    with pytest.raises(NotImplementedError, match="GenerateOnly does not score choices"):
        adapter.score_choices([request])
    with pytest.raises(NotImplementedError, match="GenerateOnly does not generate text"):
        adapter.generate([request])
    with pytest.raises(TypeError, match="abstract"):
        type("NoLoad", (Adapter,), {"describe": lambda self: {}})()


def test_an_old_style_adapter_runs_wrapped_with_one_warning_and_the_same_answers(mini_root, tmp_path, caplog):
    old = OldStyle()
    with caplog.at_level(logging.WARNING, logger="lamm_bench.adapter"):
        [result] = lamm_bench.evaluate(old, "ucmerced", data_root=mini_root, out_dir=tmp_path / "old", name="m")
    warnings = [r.getMessage() for r in caplog.records if r.name == "lamm_bench.adapter"]
    assert len(warnings) == 1
    assert "does not subclass lamm_bench.Adapter" in warnings[0] and "media=None" in warnings[0]
    assert sum(old.calls) == result["task"]["n_samples"] > 0
    [same] = lamm_bench.evaluate(DummyAdapter({}), "ucmerced", data_root=mini_root, out_dir=tmp_path / "new", name="m")
    rows = [(tmp_path / d / "results/m/ucmerced.predictions.jsonl").read_text() for d in ("old", "new")]
    assert [json.loads(x)["prediction"] for x in rows[0].splitlines()] == [
        json.loads(x)["prediction"] for x in rows[1].splitlines()
    ]
    assert result["metrics"] == same["metrics"]


def test_an_old_style_adapter_that_asked_for_decoded_media_still_gets_it(mini_root, tmp_path):
    adapter = as_adapter(OldStyleDecoded(), "old")
    assert isinstance(adapter, LegacyAdapter) and adapter.media == DECODED
    [result] = lamm_bench.evaluate(adapter, "ucmerced", data_root=mini_root, out_dir=tmp_path, name="m", limit=3)
    assert result["task"]["n_samples"] == 3


def test_an_old_style_adapter_without_score_choices_says_so():
    adapter = as_adapter(OldStyle(), "old")
    with pytest.raises(NotImplementedError, match="does not score choices"):
        adapter.score_choices([Request(sample_id="0", kind="choice", system="", text="t", options=("a",))])


@pytest.mark.parametrize(
    ("thing", "message"),
    [
        (object(), r"adapter 'x' \(builtins\.object\) is not a lamm-bench adapter: subclass lamm_bench\.Adapter and "
                   r"define capabilities, load, describe, generate$"),
        (type("Half", (), {"capabilities": frozenset({GENERATE}), "load": lambda s: None})(),
         r"is not a lamm-bench adapter: subclass lamm_bench\.Adapter and define describe, generate$"),
    ],
)  # fmt: skip
def test_something_that_is_no_adapter_fails_at_once_with_one_line(thing, message):
    with pytest.raises(UserError, match=message) as caught:
        as_adapter(thing, "x")
    assert "\n" not in str(caught.value)


def test_a_subclass_whose_methods_take_no_media_is_told_what_to_change():
    class Forgot(DummyAdapter):
        def score_choices(self, requests):
            return super().score_choices(requests)

    with pytest.raises(UserError, match=r"score_choices\(\) must take the batch's media: "
                                        r"def score_choices\(self, requests, media=None\)$"):  # fmt: skip
        as_adapter(Forgot({}), "forgot")


def test_unknown_capabilities_are_refused():
    class Typo(DummyAdapter):
        capabilities = frozenset({GENERATE, CHOICE, "imgae"})

    with pytest.raises(UserError, match=r"declares unknown capabilities \['imgae'\]"):
        as_adapter(Typo({}), "typo")


def test_the_runner_always_passes_media_none_for_a_paths_adapter(mini_root, tmp_path):
    seen = []

    class Recording(DummyAdapter):
        def generate(self, requests, media=None):
            seen.append(media)
            return super().generate(requests, media)

    lamm_bench.evaluate(Recording({}), "ucmerced", data_root=mini_root, out_dir=tmp_path, name="m", limit=2)
    assert seen == [None]


def test_plugin_types_are_reexported_lazily():
    import subprocess
    import sys

    code = ("import sys, inspect, lamm_bench; assert 'lamm_bench.api' not in sys.modules; "
            "from lamm_bench import Adapter, TaskSpec, Request, Response, Sample, SampleScore, ModelCard, Media; "
            "print(list(inspect.signature(lamm_bench.evaluate).parameters)[:3], 'torch' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['model', 'tasks', 'data_root'] False"
    assert lamm_bench.Response is Response and set(lamm_bench.__all__) <= set(dir(lamm_bench))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lamm_bench.nope  # noqa: B018
