"""Tests of the ``lamm`` adapter's torch-free parts: prompt text, token layouts, weight resolution, registration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamm_bench import registry
from lamm_bench.errors import MissingWeightsError, UserError
from lamm_bench.model_adapters.lamm import config as lamm_config
from lamm_bench.model_adapters.lamm.config import LammConfig, resolve_weights
from lamm_bench.model_adapters.lamm.prompt import (
    IGNORE,
    choice_layout,
    choice_prompt,
    cut_at_stop,
    generation_layout,
    tag_modality,
    user_prompt,
)

SYS = "\nYou are an AI visual assistant.\n"


def chars(text: str) -> list[int]:
    """A stand-in segment tokenizer: one id per character."""
    return [ord(c) for c in text]


def test_prompt_is_the_published_conversation_text_for_both_protocols():
    # 97cdc1c inference_2d.py / inference_3d.py and d01093c test_lamm.py: conv.system + "### Human: q\n"
    assert user_prompt(SYS, "What is it?") == "\nYou are an AI visual assistant.\n### Human: What is it?\n"


def test_paper_protocol_wraps_point_clouds_in_img_tags_chef_in_pcl_tags():
    assert tag_modality("point_cloud", "paper") == "image"
    assert tag_modality("point_cloud", "chef") == "point_cloud"
    assert tag_modality("image", "paper") == tag_modality("image", "chef") == "image"


def test_choice_prompt_chef_is_the_bare_question_paper_is_the_generation_prompt():
    assert choice_prompt(SYS, "Q?", style="chef") == "Q?"
    assert choice_prompt(SYS, "Q?", style="paper") == user_prompt(SYS, "Q?")


def test_generation_layout_is_bos_head_visual_tail_prefix():
    layout = generation_layout(chars, 1, "PROMPT", modality="image", n_visual=3, assistant_prefix="The answer is")
    assert layout.before == (1, *chars("### Human: <Img>"))
    assert layout.after == tuple(chars("</Img> PROMPT\n### Assistant:") + chars("The answer is"))
    assert layout.n_visual == 3
    assert layout.labels == (IGNORE,) * len(layout.after)
    assert layout.full_ids(visual_id=-7)[len(layout.before) : len(layout.before) + 3] == [-7, -7, -7]
    assert layout.length == len(layout.before) + 3 + len(layout.after)
    assert layout.option_span is None


def test_point_cloud_layout_uses_pcl_tags():
    layout = generation_layout(chars, 1, "P", modality="point_cloud", n_visual=2)
    assert "".join(map(chr, layout.before[1:])) == "### Human: <Pcl>"
    assert "".join(map(chr, layout.after)) == "</Pcl> P\n### Assistant:"


def test_choice_layout_supervises_the_answer_and_locates_the_option_before_the_separator():
    layout, matches = choice_layout(chars, 1, "Q?", "The answer is cat", "cat", modality="image", n_visual=4)
    tail = chars("</Img> Q?\n### Assistant:")
    answer = chars("The answer is cat\n###")
    assert matches
    assert layout.after == tuple(tail + answer)
    assert layout.labels == (IGNORE,) * len(tail) + tuple(answer)
    assert layout.full_labels() == [IGNORE] * (len(layout.before) + 4 + len(tail)) + answer
    start, end = layout.option_span
    assert "".join(map(chr, layout.full_ids()[start:end])) == "cat"
    # the option ends exactly where the trailing "\n###" starts
    assert layout.length - end == len("\n###")


def test_choice_layout_reports_an_option_that_tokenizes_differently_in_context():
    def words(text):  # a tokenizer whose pieces depend on context: "cat" inside "(cat" is one piece "(cat"
        return [int.from_bytes(w.encode()[:6], "little") for w in text.replace("\n", " \n ").split(" ") if w]

    layout, matches = choice_layout(words, 1, "Q", "is (cat", "cat", modality="image", n_visual=1)
    assert not matches
    start, end = layout.option_span
    assert end - start == 1


def test_cut_at_stop_cuts_before_the_first_stop_string():
    assert cut_at_stop("A cat.\n### Human: x", ("###",)) == "A cat.\n"
    assert cut_at_stop("A cat.\n### Human: x", ("\n###",)) == "A cat."
    assert cut_at_stop("no stop here", ("###",)) == "no stop here"
    assert cut_at_stop("a ## b ### c", ("##", "###")) == "a "
    assert cut_at_stop("abc", ()) == "abc"


@given(st.text(), st.lists(st.text(max_size=4), max_size=3))
def test_cut_at_stop_returns_a_prefix_without_any_stop(text, stops):
    out = cut_at_stop(text, tuple(stops))
    assert text.startswith(out)
    assert not any(stop and stop in out for stop in stops)


def test_config_rejects_unknown_choices():
    with pytest.raises(UserError, match="prompt_style"):
        LammConfig(prompt_style="llava")
    with pytest.raises(UserError, match="dtype"):
        LammConfig(dtype="int8")
    with pytest.raises(UserError, match="device"):
        LammConfig(device="tpu")


def test_missing_weights_lists_every_file_and_every_place(tmp_path, monkeypatch):
    monkeypatch.setattr(lamm_config, "CLIP_CACHE_FILE", str(tmp_path / "cache" / "ViT-L-14.pt"))
    config = LammConfig(llm_name="vicuna-7b-v0", delta_name="lamm_7b_lora32_186k")
    with pytest.raises(MissingWeightsError) as err:
        resolve_weights(config, {"LAMM_BENCH_MODELS": str(tmp_path)})
    message = str(err.value)
    assert "\n" not in message
    for expected in (
        tmp_path / "vicuna-7b-v0",
        tmp_path / "clip" / "ViT-L-14.pt",
        tmp_path / "cache" / "ViT-L-14.pt",
        tmp_path / "lamm_7b_lora32_186k" / "pytorch_model.pt",
    ):
        assert str(expected) in message
    assert "epcl" not in message


def test_explicit_paths_win_and_only_missing_files_are_reported(tmp_path):
    (tmp_path / "llm").mkdir()
    (tmp_path / "c.pt").write_bytes(b"x")
    config = LammConfig(llm=str(tmp_path / "llm"), clip=str(tmp_path / "c.pt"), delta=str(tmp_path / "nope.pt"),
                        modality="point_cloud")
    with pytest.raises(MissingWeightsError) as err:
        resolve_weights(config, {})
    message = str(err.value)
    assert "delta (looked in: " + str(tmp_path / "nope.pt") in message
    assert "epcl (looked in: nowhere" in message
    assert "llm (" not in message and "clip (" not in message
    assert "LAMM_BENCH_MODELS" in message


def test_models_root_layout_resolves(tmp_path):
    (tmp_path / "vicuna-13b-v0").mkdir()
    (tmp_path / "clip").mkdir()
    (tmp_path / "clip" / "ViT-L-14.pt").write_bytes(b"x")
    (tmp_path / "lamm3d_13b_lora32_10k").mkdir()
    (tmp_path / "lamm3d_13b_lora32_10k" / "pytorch_model.pt").write_bytes(b"x")
    (tmp_path / "epcl").mkdir()
    (tmp_path / "epcl" / "epcl_scannet_vit-L-14_256tokens_latest.pth").write_bytes(b"x")
    card = registry.cards()["lamm3d-13b"]
    config = LammConfig(**card.args, models_root=str(tmp_path))
    paths = resolve_weights(config, {})
    assert paths.llm == tmp_path / "vicuna-13b-v0"
    assert paths.delta == tmp_path / "lamm3d_13b_lora32_10k" / "pytorch_model.pt"
    assert paths.epcl == tmp_path / "epcl" / "epcl_scannet_vit-L-14_256tokens_latest.pth"


def test_cards_are_registered_with_their_files_and_capabilities():
    cards = registry.cards()
    assert {"lamm-7b", "lamm-13b", "lamm3d-13b"} <= set(cards)
    assert registry.adapters()["lamm"] == "lamm_bench.model_adapters.lamm.adapter:LammAdapter"
    assert any("vicuna-7b-v0" in f for f in cards["lamm-7b"].files)
    assert any("epcl" in f for f in cards["lamm3d-13b"].files)
    two_d = registry.build_adapter(cards["lamm-7b"], {})
    three_d = registry.build_adapter(cards["lamm3d-13b"], {})
    assert two_d.capabilities == {"generate", "choice", "image"}
    assert three_d.capabilities == {"generate", "choice", "point_cloud"}
    assert two_d.describe() != three_d.describe()
    with pytest.raises(UserError, match="no argument 'llm_path'"):
        registry.build_adapter(cards["lamm-7b"], {"llm_path": "x"})


def test_lamm_7b_without_weights_fails_in_load_before_importing_torch(tmp_path):
    code = (
        "import sys\n"
        "from lamm_bench import registry\n"
        "from lamm_bench.errors import MissingWeightsError\n"
        "adapter = registry.build_adapter(registry.cards()['lamm-7b'], {})\n"
        "try:\n"
        "    adapter.load()\n"
        "except MissingWeightsError as err:\n"
        "    print(err)\n"
        "print('torch' in sys.modules)\n"
    )
    env = {"LAMM_BENCH_MODELS": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    lines = out.stdout.strip().splitlines()
    assert out.returncode == 0, out.stderr
    assert lines[-1] == "False"
    assert str(Path(tmp_path) / "vicuna-7b-v0") in lines[0]
    assert str(Path(tmp_path) / "lamm_7b_lora32_186k" / "pytorch_model.pt") in lines[0]
    assert str(Path(tmp_path) / ".cache" / "clip" / "ViT-L-14.pt") in lines[0]


def test_auto_style_follows_each_requests_protocol():
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter
    from lamm_bench.records import Request

    adapter = LammAdapter({})
    paper = Request(sample_id="1", kind="generate", system="S", text="T")
    chef = Request(sample_id="1", kind="generate", system="S", text="T", protocol="chef")
    assert (adapter.style(paper), adapter.style(chef)) == ("paper", "chef")
    forced = LammAdapter({"prompt_style": "paper"})
    assert forced.style(chef) == "paper"


def test_the_layout_version_is_part_of_the_adapter_fingerprint():
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter
    from lamm_bench.model_adapters.lamm.prompt import LAYOUT_VERSION

    # "2": the 97cdc1c 2D form and <Img> for paper 3D; answers stored under layout 1 must never be reused
    assert LammAdapter({}).describe()["layout_version"] == LAYOUT_VERSION == "2"
