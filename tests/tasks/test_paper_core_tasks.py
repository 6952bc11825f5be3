"""ScienceQA and CIFAR-10 (paper protocol) scored through the CLI on hand-built data with hand-computed answers."""

import json
from pathlib import Path

import pytest
from PIL import Image

from cli_helpers import run_cli

SQA = [  # (answer text, gt_choice, correct by hand, which branch decides)
    ("Reasoning.\n The answer is (B)", 1, True),  # pattern 1 via backtracking onto ')'
    ("Reasoning.\n The answer is A.", 1, False),  # pattern 1, wrong letter
    ("The answer is B. Hmm, the answer is C.", 1, False),  # pattern 1, not every match has B
    ("ANSWER: C then ANSWER: A", 2, True),  # pattern 2, first match decides
    ("I pick (A) and (A)", 0, True),  # pattern 3, all matches
    ("I pick (A) and (B)", 0, False),  # pattern 3, mixed
    ("Clearly honolulu", 1, True),  # option text only
    ("Cheyenne or Honolulu", 1, False),  # option text, another option present
]
CIFAR = [  # (label, answer, correct by hand)
    ("cat", "This is a cat.", True),
    ("automobile", "It is a car.", True),  # first synset of automobile contains car
    ("airplane", "an aeroplane", True),
    ("ship", "a boat", False),  # ship's first synset is just ship
    ("dog", "Dogs!", True),  # morphy: dogs -> dog
    ("horse", "I don't know", False),
    ("truck", "a TRUCK.", True),  # lowercased first
]


def _png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (10, 20, 30)).save(path)


@pytest.fixture
def root(tmp_path) -> Path:
    bench = tmp_path / "2D_Benchmark"
    sqa = []
    for i, (_, gt, _) in enumerate(SQA):
        _png(bench / f"sqaimage_images/{i}.png")
        sqa.append({"id": f"q{i}", "image": f"sqaimage_images/{i}.png", "query": "Q? Options: (A) Cheyenne (B) Honolulu (C) Denver",
                    "gt_choice": gt, "gt_choices": ["Cheyenne", "Honolulu", "Denver"]})  # fmt: skip
    cifar = []
    for i, (label, _, _) in enumerate(CIFAR):
        _png(bench / f"cifar10_images/{i}.png")
        cifar.append({"image": f"cifar10_images/{i}.png", "query": "What is the category label for this image? ", "label": label})
    meta = bench / "meta_file"
    meta.mkdir()
    (meta / "VQA_SQAimage.json").write_text(json.dumps(sqa))
    (meta / "Classification_CIFAR10.json").write_text(json.dumps(cifar))
    return tmp_path


def _score(root, task, answers, *extra):
    return run_cli("score", "--task", task, "--predictions", str(answers), "--data-root", str(root), "--json", *extra)


def test_scienceqa_score_json_matches_hand_count(root, tmp_path):
    answers = tmp_path / "VQA_SQAimage.json"  # LAMM's own answer-file format: a JSON list of {id, text}
    answers.write_text(json.dumps([{"id": f"q{i}", "text": t, "delta_path": "x"} for i, (t, _, _) in enumerate(SQA)]))
    proc = _score(root, "scienceqa", answers)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    expected = 100 * sum(c for _, _, c in SQA) / len(SQA)
    assert report == {
        "task": "scienceqa", "version": "1", "protocol": "paper", "n": 8,
        "paper_metric": {"name": "Acc", "value": expected},
        # "Cheyenne or Honolulu" is decided by no branch: counted as unparsed
        "metrics": {"accuracy": expected, "unparsed_rate": 12.5}, "unparsed": 1,
    }  # fmt: skip
    assert expected == 50.0


def test_cifar10_score_jsonl_ids_are_indices(root, tmp_path):
    answers = tmp_path / "answers.jsonl"  # records without "id" are named by their index
    answers.write_text("".join(json.dumps({"id": i, "text": a}) + "\n" for i, (_, a, _) in enumerate(CIFAR)))
    report = json.loads(_score(root, "cifar10", answers).stdout)
    expected = 100 * sum(c for *_, c in CIFAR) / len(CIFAR)
    assert report["paper_metric"] == {"name": "Acc", "value": pytest.approx(expected)}
    assert round(expected, 2) == 71.43


def test_unknown_ids_missing_ids_and_partial(root, tmp_path):
    answers = tmp_path / "a.jsonl"
    answers.write_text(json.dumps({"id": "nope", "text": "x"}) + "\n")
    proc = _score(root, "cifar10", answers)
    assert proc.returncode == 2 and "not in task cifar10" in proc.stderr and "'nope'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    answers.write_text(json.dumps({"id": 0, "text": "a cat"}) + "\n")
    proc = _score(root, "cifar10", answers)
    assert proc.returncode == 2 and "no prediction for 6 of 7" in proc.stderr
    proc = _score(root, "cifar10", answers, "--partial")
    assert proc.returncode == 0 and json.loads(proc.stdout)["paper_metric"]["value"] == 100.0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda recs: [{k: v for k, v in r.items() if k != "label"} for r in recs], "missing field 'label'"),
        (lambda recs: [{**r, "label": 3} for r in recs], "field 'label' should be str"),
        (lambda recs: {"not": "a list"}, "expected a JSON list"),
        (lambda recs: [{**recs[0], "image": "../escape.png"}], "leaves the data root"),
        (lambda recs: [{**recs[0], "image": "cifar10_images/missing.png"}], "media file not found"),
    ],
)
def test_bad_meta_files_exit_2_with_one_line(root, tmp_path, mutate, message):
    meta = root / "2D_Benchmark/meta_file/Classification_CIFAR10.json"
    meta.write_text(json.dumps(mutate(json.loads(meta.read_text()))))
    answers = tmp_path / "a.jsonl"
    answers.write_text("")
    proc = _score(root, "cifar10", answers)
    assert proc.returncode == 2
    assert message in proc.stderr and str(meta) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_meta_file_not_json(root, tmp_path):
    meta = root / "2D_Benchmark/meta_file/Classification_CIFAR10.json"
    meta.write_text("[{")
    proc = _score(root, "cifar10", tmp_path / "none.jsonl")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr


def test_chef_era_file_name_is_found_too(root, tmp_path):
    meta = root / "2D_Benchmark/meta_file"
    (meta / "VQA_SQAimage.json").rename(meta / "VQA_ScienceQA.json")
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"id": f"q{i}", "text": t}) + "\n" for i, (t, _, _) in enumerate(SQA)))
    assert json.loads(_score(root, "scienceqa-chef", answers).stdout)["n"] == 8
    (meta / "VQA_ScienceQA.json").unlink()
    proc = _score(root, "scienceqa", answers)
    assert proc.returncode == 2 and "VQA_SQAimage.json (or VQA_ScienceQA.json in the same folder)" in proc.stderr
