"""The per-sample prediction row (``lamm_bench.rows``): every predictions file the project writes reads back and
writes the same bytes; what a run records for the readers (overlays, option scores); one reader, so a malformed
line is exit 2 naming its file and line in ``compare``, ``judge`` and ``leaderboard`` alike."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_cli
from PIL import Image

import lamm_bench
from lamm_bench import registry
from lamm_bench.errors import UserError
from lamm_bench.records import Request, Sample
from lamm_bench.rows import LabeledBox, Overlay, PredictionRow, RequestTrace, prediction_line, read_prediction_rows
from lamm_bench.plan import PreparedTask, request_identity
from lamm_bench.runner import trace_rows
from lamm_bench.store import StoredResponse

COMMITTED = Path(__file__).parent.parent.parent / "leaderboard" / "results"
OVERLAY_TASKS = "voc2012,voc2012-chef,lsp,binary-loc,scannet-det,scanrefer,cifar10"


def assert_round_trips(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [prediction_line(row) for row in read_prediction_rows(path)] == lines, path
    return len(lines)


def test_every_committed_predictions_file_round_trips_byte_for_byte():
    files = sorted(COMMITTED.glob("*/*.predictions.jsonl"))
    assert len(files) >= 90 and sum(map(assert_round_trips, files)) > 4000


@pytest.fixture(scope="module")
def fresh(mini_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fresh")
    proc = run_cli("run", "--model", "dummy", "--task", OVERLAY_TASKS, "--data-root", str(mini_root), "--out", str(out),
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def test_a_fresh_runs_files_round_trip(fresh):
    files = sorted(fresh.glob("results/dummy/*.predictions.jsonl"))
    assert len(files) == len(OVERLAY_TASKS.split(",")) and all(assert_round_trips(f) > 0 for f in files)


def meta(root: Path, name: str) -> list[dict]:
    return json.loads((root / name).read_text())


def test_a_run_records_the_overlay_each_task_declares(fresh, mini_root):
    rows = {t: read_prediction_rows(fresh / f"results/dummy/{t}.predictions.jsonl") for t in OVERLAY_TASKS.split(",")}
    # VOC detection: the meta file's objects and the boxes parsed from the answer
    for task in ("voc2012", "voc2012-chef"):
        for row, record in zip(rows[task], meta(mini_root, "2D_Benchmark/meta_file/Detection_VOC2012.json")):
            assert row.overlay.gt_boxes == tuple(LabeledBox(o["label"], tuple(o["bbox"])) for o in record["object"])
            assert row.overlay.pred_boxes == tuple(LabeledBox("", tuple(b)) for b in row.parsed["boxes"])
    # LSP: the visible joints in the image's normalized coordinates; every point parsed from the 14 answers
    for row, record in zip(rows["lsp"], meta(mini_root, "2D_Benchmark/meta_file/Keypoints_Detection_LSP.json")):
        with Image.open(mini_root / row.media[0]) as image:
            w, h = image.size
        assert row.overlay.gt_points == tuple((x / w, y / h) for x, y, *seen in record["gt_joints"] if not seen or seen[0])
        assert row.overlay.pred_points == tuple(tuple(p) for ps in row.parsed["points"].values() for p in ps)
    # binary locating: VOC samples show their boxes, LSP samples their joints, both the parsed points
    pooled = {r.id.split(":")[0]: r for r in rows["binary-loc"]}
    assert pooled["Locating_VOC2012"].overlay.gt_boxes and not pooled["Locating_VOC2012"].overlay.gt_points
    assert pooled["Locating_LSP"].overlay.gt_points and not pooled["Locating_LSP"].overlay.gt_boxes
    # 3D: labeled ground truth; ScanRefer's target box, and no predicted box (the dummy's box is 2D)
    for row, record in zip(rows["scannet-det"], meta(mini_root, "3D_Benchmark/meta_file/Detection_ScanNet.json")):
        assert [(b.label, list(b.box)) for b in row.overlay.gt_boxes] == [(o["label"], o["bbox"]) for o in record["object"]]
    for row in rows["scanrefer"]:
        assert len(row.overlay.gt_boxes) == 1 and row.overlay.pred_boxes == ()
    assert all(row.overlay is None for row in rows["cifar10"])  # nothing to draw: no field at all
    assert all("overlay" not in json.loads(line) for line in (fresh / "results/dummy/cifar10.predictions.jsonl").open())


def test_a_choice_request_keeps_the_scores_the_adapter_gave_its_options(mini_root, tmp_path):
    spec = registry.get_task("ucmerced")
    sample = Sample(id="0", source="s", query="q", target={"label": "beach"})
    asked = Request(sample_id="0", kind="choice", system="S", text="Which?", options=("beach", "forest"))
    other = dataclasses.replace(asked, text="Another question?")
    task = PreparedTask(spec, [sample], [sample], [])
    row = PredictionRow("0", "forest", scores={"correct": 0.0})
    answers = {("0", ""): StoredResponse("0", "", "forest", option_scores=[-2.5, -0.5], request=request_identity(asked))}
    (traced,) = trace_rows(task, [row], {"0": [asked]}, tmp_path, answers)
    assert traced.requests == (RequestTrace("", "S", "Which?", options=("beach", "forest"), option_scores=(-2.5, -0.5)),)
    assert json.loads(prediction_line(traced))["requests"] == [
        {"key": "", "system": "S", "text": "Which?", "options": ["beach", "forest"], "option_scores": [-2.5, -0.5]}]
    # an answer to another request (a changed question) is not this request's: no scores
    (traced,) = trace_rows(task, [row], {"0": [other]}, tmp_path, answers)
    assert traced.requests[0].options == ("beach", "forest") and traced.requests[0].option_scores is None
    # a generate request records no options, even with the closed label set offered
    generate = dataclasses.replace(asked, kind="generate")
    (traced,) = trace_rows(task, [row], {"0": [generate]}, tmp_path, answers)
    assert traced.requests == (RequestTrace("", "S", "Which?"),)


def test_new_fields_round_trip_and_old_rows_read_without_them(tmp_path):
    row = PredictionRow("a", {"neck": "[0.5, 0.5]"}, {"points": {"neck": [[0.5, 0.5]]}}, {"correct": 1}, False, False,
                        (RequestTrace("neck", "S", "Where?", "ASSISTANT:", ("x", "y"), (0.1, -0.1), "It is {}", 1),),
                        ("img.png",),
                        {"gt_joints": [[1, 2, 1]]}, (100.0, 1.0),
                        Overlay.of(gt_boxes=[("dog", [0, 0, 1, 1])], gt_points=[(0.1, 0.2)],
                                   pred_points=[[0.5, 0.5]]))  # fmt: skip
    path = tmp_path / "t.predictions.jsonl"
    path.write_text(prediction_line(row) + json.dumps({"id": "b", "prediction": "x", "parsed": None, "scores": {},
                                                       "unparsed": True, "failed": True}) + "\n")  # fmt: skip
    new, old = read_prediction_rows(path)
    assert new == row and new.overlay.gt_boxes == (LabeledBox("dog", (0.0, 0.0, 1.0, 1.0)),)
    assert (old.requests, old.media, old.target, old.terms, old.overlay) == ((), (), {}, None, None)


GOOD = {"id": "1", "prediction": "x", "parsed": None, "scores": {"correct": 1.0}, "unparsed": False, "failed": False}


@pytest.mark.parametrize(
    ("line", "problem"),
    [(b'{"id": "\xff"}', "2: not UTF-8 text"), (b'{"id": "1", "predic', "2: not valid JSON"),
     (b"", "2: not valid JSON"), (b'["1", "x"]', "2: expected a JSON object, found list"),
     (json.dumps({k: v for k, v in GOOD.items() if k != "id"}).encode(), "2: missing field 'id'"),
     (json.dumps({**GOOD, "id": 1}).encode(), "2: field 'id' should be string, found number"),
     (json.dumps({**GOOD, "unparsed": "no"}).encode(), "2: field 'unparsed' should be boolean, found string"),
     (json.dumps({**GOOD, "scores": {"correct": "1"}}).encode(), "2: field 'scores' should map names to numbers"),
     (json.dumps({**GOOD, "terms": [1]}).encode(), "2: field 'terms' should be [numerator, denominator]"),
     (json.dumps({**GOOD, "colour": "red"}).encode(), "2: unknown field 'colour'"),
     (json.dumps({**GOOD, "requests": [{"key": "", "text": "t"}]}).encode(), "2: requests[0]: missing field 'system'"),
     (json.dumps({**GOOD, "requests": [{"key": "", "system": "", "text": "t", "options": ["a"],
                                        "option_scores": [1, 2]}]}).encode(),
      "2: requests[0]: field 'option_scores' should be one number per option"),
     (json.dumps({**GOOD, "requests": [{"key": "", "system": "", "text": "t", "options": ["a"], "correct": 1}]}).encode(),
      "2: requests[0]: field 'correct' should be the index of one of the options"),
     (json.dumps({**GOOD, "requests": [{"key": "", "system": "", "text": "t", "option_template": 3}]}).encode(),
      "2: requests[0]: field 'option_template' should be string, found number"),
     (json.dumps({**GOOD, "overlay": {"gt_boxes": [[0, 0, 1, 1]]}}).encode(), "2: 'overlay.gt_boxes' should be a list"),
     (json.dumps({**GOOD, "id": "0"}).encode(), "2: sample id '0' was already on line 1")],
)  # fmt: skip
def test_each_kind_of_malformed_line_names_the_file_and_line(tmp_path, line, problem):
    path = tmp_path / "t.predictions.jsonl"
    path.write_bytes(json.dumps({**GOOD, "id": "0"}).encode() + b"\n" + line + b"\n" + json.dumps(GOOD).encode() + b"\n")
    with pytest.raises(UserError) as error:
        read_prediction_rows(path)
    assert str(error.value).startswith(f"{path}:{problem}") and "\n" not in str(error.value)


def test_a_torn_last_line_is_damage_not_a_skipped_row(tmp_path):
    # written atomically, so a partial line means the file was damaged after it was written
    path = tmp_path / "t.predictions.jsonl"
    path.write_text(json.dumps({**GOOD, "id": "0"}) + "\n" + json.dumps(GOOD)[:30])
    with pytest.raises(UserError, match=r":2: not valid JSON"):
        read_prediction_rows(path)


@pytest.fixture(scope="module")
def two_models(mini_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("two")
    for name, seed in (("model-a", "0"), ("model-b", "1")):
        lamm_bench.evaluate("dummy", ["cifar10"], data_root=mini_root, out_dir=out, model_args={"seed": seed}, name=name)
    return out


def _break(path: Path, kind: str) -> int:
    """Damage ``path`` the ``kind`` way; returns the line number that is now wrong."""
    lines = path.read_bytes().splitlines(keepends=True)
    row = json.loads(lines[2])
    if kind == "torn last line":
        lines[-1] = lines[-1][: len(lines[-1]) // 2]
        path.write_bytes(b"".join(lines))
        return len(lines)
    lines[2] = {"not UTF-8": b'{"id": "\xff\xfe"}\n', "not an object": b'["2", "an answer"]\n',
                "missing id": (json.dumps({k: v for k, v in row.items() if k != "id"}) + "\n").encode(),
                "wrong type": (json.dumps({**row, "unparsed": "no"}) + "\n").encode(),
                "duplicate id": (json.dumps({**row, "id": json.loads(lines[0])["id"]}) + "\n").encode()}[kind]  # fmt: skip
    path.write_bytes(b"".join(lines))
    return 3


KINDS = ("not UTF-8", "torn last line", "not an object", "missing id", "wrong type", "duplicate id")
COMMANDS = {"compare": ("compare", "model-a", "model-b", "--task", "cifar10"),
            "judge": ("judge", "--models", "model-a,model-b", "--judge", "dummy", "--task", "cifar10"),
            "leaderboard": ("leaderboard",)}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_row_is_exit_2_naming_file_and_line_in_every_reader(two_models, mini_root, tmp_path, kind, command):
    out = Path(shutil.copytree(two_models, tmp_path / "out"))
    path = out / "results/model-a/cifar10.predictions.jsonl"
    line = _break(path, kind)
    proc = run_cli(*COMMANDS[command], "--out", str(out), *(("--data-root", str(mini_root)) if command == "judge" else ()))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    (error,) = [s for s in proc.stderr.splitlines() if s.startswith("lamm-bench: error:")]
    assert f"{path}:{line}: " in error
    assert not (out / "README.md").exists() and not (out / "index.html").exists()  # nothing half-written
