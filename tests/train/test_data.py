"""The instruction format: golden token layout and loss mask, truncation, validation messages, data order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamm_bench.errors import UserError
from lamm_bench.model_adapters.lamm.prompt import IGNORE
from lamm_bench.train.data import (
    Instruction,
    default_media_root,
    load_instructions,
    rank_indices,
    strip_placeholder,
    training_layout,
)
from lamm_bench.train.system_messages import SYSTEM_MESSAGES


@pytest.fixture(scope="module")
def tok(models_root):
    from lamm_bench.model_adapters.lamm.checkpoint import load_tokenizer

    return load_tokenizer(models_root / "vicuna-tiny")


TURNS = (("<image>\nWhat is in the image?", "A red square."), ("Which colour is it?", "It is red."))


def test_multi_turn_layout_and_loss_mask_match_the_golden_sequence(tok):
    e = tok.encode
    layout = training_layout(e, 1, Instruction(0, "x.png", TURNS, "detection"), modality="image", n_visual=4,
                             max_tgt_len=400, use_system=True)
    # Hand-written reference sequence: each segment tokenized on its own; (ids, supervised).
    head = [1, *e(SYSTEM_MESSAGES["detection"] + "\n\n### Human: <Img>")]
    spans = [
        (e("</Img> What is in the image?\n### Assistant:"), False),
        (e("A red square.\n###"), True),
        (e("Human: Which colour is it?\n### Assistant:"), False),
        (e("It is red.\n###"), True),
    ]
    assert list(layout.before) == head and layout.n_visual == 4
    assert list(layout.after) == [i for ids, _ in spans for i in ids]
    assert list(layout.labels) == [i if sup else IGNORE for ids, sup in spans for i in ids]
    full_labels = layout.full_labels()
    assert full_labels[: len(head) + 4] == [IGNORE] * (len(head) + 4)  # BOS, system head and visual slots masked
    # Each supervised span ends with the "###" piece of "\n###"; the next human span starts unsupervised.
    first_answer_end = len(spans[0][0]) + len(spans[1][0])
    assert tok.decode([layout.after[first_answer_end - 1]]).endswith("###")
    assert layout.labels[first_answer_end - 1] != IGNORE and layout.labels[first_answer_end] == IGNORE
    assert layout.labels[-1] == layout.after[-1]
    assert sum(label != IGNORE for label in layout.labels) == len(spans[1][0]) + len(spans[3][0])


def test_without_system_the_head_is_the_adapter_head_and_truncation_cuts_after_the_visual_tokens(tok):
    e = tok.encode
    inst = Instruction(0, "x.png", TURNS, "conversation")
    full = training_layout(e, 1, inst, modality="image", n_visual=3, max_tgt_len=400, use_system=False)
    cut = training_layout(e, 1, inst, modality="image", n_visual=3, max_tgt_len=10, use_system=False)
    assert list(full.before) == [1, *e("### Human: <Img>")]
    assert cut.before == full.before and cut.after == full.after[:10] and cut.labels == full.labels[:10]


def test_point_cloud_layout_uses_pcl_tags(tok):
    e = tok.encode
    inst = Instruction(0, "x.npy", (("<pcl>\nDescribe.", "A chair."),), "description3d")
    layout = training_layout(e, 1, inst, modality="point_cloud", n_visual=2, max_tgt_len=400, use_system=True)
    assert list(layout.before) == [1, *e(SYSTEM_MESSAGES["description3d"] + "\n\n### Human: <Pcl>")]
    assert list(layout.after) == e("</Pcl> Describe.\n### Assistant:") + e("A chair.\n###")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("<image>\nQ?", "Q?"), ("Q?\n<image>", "Q?"), ("Q? <image>", "Q? <image>"), ("<image>\nA\n<image>", "A")],
)
def test_placeholder_removal(text, expected):
    assert strip_placeholder(text, "image") == expected


def _write(tmp_path: Path, records) -> Path:
    (tmp_path / "meta_file").mkdir(exist_ok=True)
    (tmp_path / "images").mkdir(exist_ok=True)
    (tmp_path / "images" / "a.png").write_bytes(b"png")
    meta = tmp_path / "meta_file" / "m.json"
    meta.write_text(json.dumps(records))
    return meta


GOOD = {"image": "images/a.png", "task_type": "VQA",
        "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}


def test_valid_file_loads_with_the_default_media_root(tmp_path):
    meta = _write(tmp_path, [GOOD, {k: v for k, v in GOOD.items() if k != "task_type"}])
    assert default_media_root(meta) == tmp_path.resolve()
    loaded = load_instructions(meta, default_media_root(meta), "image")
    assert [i.task_type for i in loaded] == ["VQA", "normal"]
    assert loaded[0].media == str(tmp_path.resolve() / "images/a.png") and loaded[1].turns == (("q", "a"),)


BAD = {
    "not an object": ["x", "expected a JSON object"],
    "missing image": [{"conversations": GOOD["conversations"]}, "missing or non-string 'image'"],
    "image not a string": [{**GOOD, "image": 3}, "missing or non-string 'image'"],
    "missing file": [{**GOOD, "image": "images/nope.png"}, "image file not found"],
    "no conversations": [{k: v for k, v in GOOD.items() if k != "conversations"}, "'conversations' must be"],
    "conversations not a list": [{**GOOD, "conversations": "hi"}, "'conversations' must be"],
    "starts with gpt": [{**GOOD, "conversations": GOOD["conversations"][::-1]}, "turn 0 is from 'gpt'"],
    "two humans": [{**GOOD, "conversations": [GOOD["conversations"][0]] * 2}, "turn 1 is from 'human'"],
    "ends with human": [{**GOOD, "conversations": GOOD["conversations"] * 1 + [GOOD["conversations"][0]]},
                        "ends with a human turn"],
    "value not a string": [{**GOOD, "conversations": [{"from": "human", "value": 1}]}, "string 'value'"],
    "unknown task type": [{**GOOD, "task_type": "chat"}, "unknown task_type 'chat'"],
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_malformed_record_names_the_file_and_record(tmp_path, kind):
    record, message = BAD[kind]
    meta = _write(tmp_path, [GOOD, record])
    with pytest.raises(UserError) as err:
        load_instructions(meta, tmp_path, "image")
    assert f"{meta}: record 1: " in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_unreadable_files_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_instructions(tmp_path / "none.json", tmp_path, "image")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(UserError, match="not a readable JSON"):
        load_instructions(tmp_path / "bad.json", tmp_path, "image")
    (tmp_path / "empty.json").write_text("[]")
    with pytest.raises(UserError, match="non-empty JSON list"):
        load_instructions(tmp_path / "empty.json", tmp_path, "image")


def _steps(n, global_batch, micro, world, rank, start, stop, seed=0):
    return list(rank_indices(n, global_batch=global_batch, micro_batch=micro, world=world, rank=rank, seed=seed,
                             start_step=start, stop_step=stop))


def test_data_order_is_epoch_aware_and_drops_the_incomplete_batch():
    order = _steps(10, 4, 2, 1, 0, 0, 4)  # 2 steps per epoch (2 records dropped each epoch), 2 epochs
    first, second = order[:8], order[8:]
    assert len(set(first)) == 8 and len(set(second)) == 8 and first != second
    assert _steps(10, 4, 2, 1, 0, 0, 4, seed=1) != order


def test_resumed_order_continues_the_uninterrupted_one():
    full = _steps(12, 4, 2, 1, 0, 0, 9)
    assert _steps(12, 4, 2, 1, 0, 5, 9) == full[5 * 4 :]


def test_two_ranks_see_the_micro_batches_of_one_process_with_double_accumulation():
    one = _steps(16, 8, 2, 1, 0, 0, 3)
    ranks = [_steps(16, 8, 2, 2, r, 0, 3) for r in range(2)]
    for step in range(3):
        single = [one[step * 8 + 2 * m : step * 8 + 2 * m + 2] for m in range(4)]
        # micro batch a of rank r is global micro batch a * world + r
        split = [ranks[m % 2][step * 4 + 2 * (m // 2) : step * 4 + 2 * (m // 2) + 2] for m in range(4)]
        assert single == split
