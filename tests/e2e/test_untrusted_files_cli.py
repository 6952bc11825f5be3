"""Result files and predictions rows are input (issue 23): what ``leaderboard``, ``compare`` and ``score`` read back
is checked, through the installed CLI as a user would meet it. A bad file is exit 2 with one line naming the file
(and line), and nothing is written; no name from a file leads a write out of the output folder; texts from files
are plain text in the README, the chart and the pages; the media index is a cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_cli
from untrusted_helpers import MODELS, TASK, edit_json, edit_rows, result_path, rows_path, snapshot

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def board(untrusted_base, tmp_path) -> Path:
    """A private copy of the base folder at ``tmp_path/parent/board``, free to break."""
    return Path(shutil.copytree(untrusted_base, tmp_path / "parent" / "board"))


def one_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    (line,) = [s for s in proc.stderr.splitlines() if s.startswith("lamm-bench: error:")]
    return line


def refused(board: Path, *args: str) -> str:
    """Run a reading command on ``board``; it must be exit 2 and write nothing, inside the folder or beside it."""
    parent = board.parent.parent
    before = snapshot(parent, skip=board / "store")
    line = one_error(run_cli(*args, "--out", str(board)))
    assert snapshot(parent, skip=board / "store") == before
    return line


def set_raw(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


RESULT_CASES = {
    "NaN metric": (lambda p: set_raw(p, '"recall@0.5": ', '"recall@0.5": NaN, "x": '), "NaN is not a number"),
    "infinite paper value": (lambda p: edit_json(p, lambda d: d["paper_metric"].update(value="Infinity")),
                             "field 'paper_metric.value' should be a finite number or null"),
    "number too large": (lambda p: set_raw(p, '"seed": 0', '"seed": 1e999'), "number 1e999 is too large"),
    "negative count": (lambda p: edit_json(p, lambda d: d.update(unparsed=-5)),
                       "field 'unparsed' should be a non-negative integer, found -5"),
    "fractional count": (lambda p: edit_json(p, lambda d: d.update(failed=1.5)),
                         "field 'failed' should be a non-negative integer, found 1.5"),
    "count as text": (lambda p: edit_json(p, lambda d: d["task"].update(n_samples="50")),
                      "field 'task.n_samples' should be a non-negative integer, found string"),
    "html count": (lambda p: edit_json(p, lambda d: d.update(unparsed="<img src=x onerror=alert(1)>")),
                   "field 'unparsed' should be a non-negative integer, found string"),
    "huge int metric": (lambda p: edit_json(p, lambda d: d["metrics"].update({"f1@0.5": 10**400})),
                        "field 'metrics.f1@0.5' should be a finite number, found 1000"),
    "metrics as a list": (lambda p: edit_json(p, lambda d: d.update(metrics=[1, 2])),
                          "field 'metrics' should be object, found list"),
    "unknown protocol": (lambda p: edit_json(p, lambda d: d["task"].update(protocol="evil")),
                         "field 'task.protocol' should be \"paper\" or \"chef\""),
    "not UTF-8": (lambda p: p.write_bytes(p.read_bytes().replace(b'"dummy"', b'"dum\xffmy"', 1)), "not UTF-8 text"),
    "deeply nested": (lambda p: p.write_text(DEEP), "nested more than 64 levels deep"),
    "not an object": (lambda p: p.write_text("[]"), "expected a JSON object, found list"),
    "lone surrogate": (lambda p: set_raw(p, '"created": "', '"created": "\\udc80'), "lone UTF-16 surrogate"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RESULT_CASES))
def test_a_malformed_result_file_is_exit_2_naming_it_and_nothing_is_written(board, case):
    damage, problem = RESULT_CASES[case]
    path = result_path(board)
    damage(path)
    line = refused(board, "leaderboard")
    assert f"{path}: " in line and problem in line


@pytest.mark.parametrize("command", ["compare", "leaderboard"])
def test_a_result_path_that_is_a_folder_is_exit_2(board, command):
    folder = board / "results" / MODELS[0] / "zzz.json"
    folder.mkdir()
    args = ("compare", *MODELS) if command == "compare" else ("leaderboard",)
    line = refused(board, *args)
    assert f"{folder}: cannot be read as a result file" in line


NAMES = {"../../x": "may use only letters", "/tmp/abs": "may use only letters", "media": "leaderboard's own",
         "browser.js": "leaderboard's own", "x" * 300: "300 characters long", "a\n| forged | 1 |": "may use only",
         "$\\foo$": "may use only letters"}  # fmt: skip


@pytest.mark.parametrize(("part", "name"), [*(("model", n) for n in sorted(NAMES)),
                                            *(("task", n) for n in ("../../x", "/tmp/abs", "media"))],
                         ids=lambda v: repr(v[:12]))  # fmt: skip
def test_a_name_from_a_result_file_is_checked_before_anything_is_written(board, part, name):
    path = result_path(board)
    edit_json(path, lambda d: d[part].update(name=name))
    line = refused(board, "leaderboard")
    assert f"{path}: {part} name " in line and NAMES[name] in line


def test_compare_checks_the_names_in_result_files_too(board):
    edit_json(result_path(board, MODELS[1]), lambda d: d["model"].update(name="../../x"))
    line = refused(board, "compare", *MODELS)
    assert f"{result_path(board, MODELS[1])}: model name '../../x'" in line


def test_a_result_file_must_sit_where_its_names_put_it(board):
    # a colleague's copy under another folder claims model-a's voc2012 too: refused, naming both files
    copy = board / "results/colleague" / f"{TASK}.json"
    copy.parent.mkdir()
    shutil.copy(result_path(board), copy)
    line = refused(board, "leaderboard")
    assert f"{copy}: holds model 'model-a', task 'voc2012'" in line and f"{result_path(board)} claims them too" in line
    # a file renamed by hand is not read as another task
    copy.unlink()
    copy.parent.rmdir()
    result_path(board).rename(result_path(board).with_name("cifar10.json"))
    line = refused(board, "compare", *MODELS)
    assert "cifar10.json: holds model 'model-a', task 'voc2012', so it belongs at" in line


ROW_CASES = {
    "malformed terms": (lambda rows: rows[2].update(terms=["1", 2]), "field 'terms' should be [numerator, denominator]"),
    "infinite terms": (lambda rows: rows[2].update(terms=[1e308 * 10, 1]), "field 'terms' should be"),
    "NaN score": (lambda rows: rows[2]["scores"].update(hits=float("nan")), "field 'scores' should map names"),
    "media out of the root": (lambda rows: rows[2].update(media=["../secret.png"]), "leaves its folder"),
    "absolute media": (lambda rows: rows[2].update(media=["/etc/passwd"]), "is absolute"),
    "deeply nested parsed": (lambda rows: rows[2].update(parsed=json.loads("[" * 200 + "]" * 200)),
                             "nested more than 64 levels deep"),
}  # fmt: skip


@pytest.mark.parametrize(("case", "command"), [*((c, "leaderboard") for c in sorted(ROW_CASES)),
                                               ("malformed terms", "compare"), ("media out of the root", "compare")])
def test_a_malformed_predictions_row_is_exit_2_naming_file_and_line(board, case, command):
    edit, problem = ROW_CASES[case]
    edit_rows(rows_path(board), edit)
    line = refused(board, *(("compare", *MODELS) if command == "compare" else ("leaderboard",)))
    assert f"{rows_path(board)}:3: " in line and problem in line


def test_compare_refuses_rows_its_task_metric_cannot_read(board):
    # without terms, compare re-aggregates with the task's metric: parsed answers of another shape are input errors
    def untermed(rows):
        for row in rows:
            del row["terms"]
            row["parsed"] = "x"

    edit_rows(rows_path(board), untermed)
    line = refused(board, "compare", *MODELS)
    assert f"{rows_path(board)}: the rows are not what task voc2012's metric reads" in line


SCORE_CASES = {
    "not UTF-8": (b'{"id": "0", "text": "\xff"}\n', ":1: not UTF-8 text"),
    "no id": (b'{"text": "a cat"}\n', ":1: expected an object with 'id' and 'text'"),
    "not an object": (b'"a cat"\n', ":1: expected an object with 'id' and 'text'"),
    "deeply nested": (b'{"id": "0", "text": ' + DEEP.encode() + b"}\n", ":1: not valid JSON (nested more than 64"),
    "a list file that is nested": (b"[" + DEEP.encode() + b"]", ": not valid JSON (nested more than 64 levels deep)"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SCORE_CASES))
def test_score_reads_its_predictions_file_as_input(mini_root, tmp_path, case):
    content, problem = SCORE_CASES[case]
    answers = tmp_path / "answers.jsonl"
    answers.write_bytes(content)
    line = one_error(run_cli("score", "--task", "cifar10", "--predictions", str(answers), "--data-root", str(mini_root)))
    assert f"{answers}{problem}" in line


def test_texts_from_result_files_are_plain_text_in_the_readme_and_chart(board):
    forged = "Acc\n| forged-model | 99.00 |\n$\\foo$ <b>`x`</b> [link](http://e.x)"
    edit_json(result_path(board), lambda d: d["paper_metric"].update(name=forged, key="k|`y`"))
    proc = run_cli("leaderboard", "--out", str(board))
    assert proc.returncode == 0, proc.stderr[-3000:]
    readme = (board / "README.md").read_text()
    assert "forged-model" in readme and not any(line.startswith("| forged-model") for line in readme.splitlines())
    rows = [line for line in readme.splitlines() if line.startswith("| model-")]
    assert len(rows) == 2 and all(line.count(" | ") == rows[0].count(" | ") for line in rows)
    assert "&#124; forged-model &#124; 99.00 &#124; &#36;&#92;foo&#36; &lt;b&gt;&#96;x&#96;&lt;/b&gt; &#91;link&#93;" in readme
    assert "<b>" not in readme and "`k&#124;&#96;y&#96;, recall_reference@0.5`" in readme
    assert (board / "chart.png").read_bytes().startswith(b"\x89PNG")  # "$\foo$" is not mathtext: no crash


def test_the_media_index_is_a_cache_rebuilt_when_torn(board, mini_root):
    assert run_cli("leaderboard", "--out", str(board), "--data-root", str(mini_root)).returncode == 0
    index = board / "predictions/media/index.json"
    good = index.read_bytes()
    assert json.loads(good) and [p.name for p in index.parent.glob(".*")] == []  # written atomically, no temp left
    for damage in (good[: len(good) // 2], b'{"x.jpg": "no"}'):  # torn by a kill or a full disk; of another shape
        index.write_bytes(damage)
        proc = run_cli("leaderboard", "--out", str(board), "--data-root", str(mini_root))
        assert proc.returncode == 0 and f"{index}: " in proc.stderr and "a new one is started" in proc.stderr
        assert index.read_bytes() == good  # rebuilt from the data root
    index.write_bytes(good[:10])  # without a data root the pictures cannot be remade: still no error
    assert run_cli("leaderboard", "--out", str(board)).returncode == 0


def test_media_through_a_link_out_of_the_data_root_is_not_drawn(board, mini_root, tmp_path):
    secret = tmp_path / "private"
    secret.mkdir()
    shutil.copy(mini_root / "2D_Benchmark/voc2012_images/detection_0.png", secret / "secret.jpg")  # a real picture
    (tmp_path / "data/2D_Benchmark").mkdir(parents=True)
    (tmp_path / "data/2D_Benchmark/escape").symlink_to(secret)
    edit_rows(rows_path(board), lambda rows: rows[0].update(media=["2D_Benchmark/escape/secret.jpg"]))
    proc = run_cli("leaderboard", "--out", str(board), "--data-root", str(tmp_path / "data"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1 media path(s) lead out of the data root" in proc.stderr and "2D_Benchmark/escape/secret.jpg" in proc.stderr
    chunk = (board / "predictions" / MODELS[0] / TASK / "0000.js").read_text()
    assert '"missing":["2D_Benchmark/escape/secret.jpg"]' in chunk


@pytest.mark.parametrize(("content", "problem"), [(b"[" + DEEP.encode() + b"]", "nested more than 64 levels deep"),
                                                  (b'[{"image": "\xff"}]', "not UTF-8 text")])  # fmt: skip
def test_a_meta_file_is_read_the_same_way(tmp_path, content, problem):
    meta = tmp_path / "data/2D_Benchmark/meta_file/Classification_CIFAR10.json"
    meta.parent.mkdir(parents=True)
    meta.write_bytes(content)
    (tmp_path / "answers.jsonl").write_text('{"id": "0", "text": "cat"}\n')
    line = one_error(run_cli("score", "--task", "cifar10", "--predictions", str(tmp_path / "answers.jsonl"),
                             "--data-root", str(tmp_path / "data")))  # fmt: skip
    assert f"{meta}: not valid JSON" in line or f"{meta}: not UTF-8" in line
    assert problem in line


def test_a_store_line_is_read_the_same_way_and_only_a_torn_last_line_is_forgiven(tmp_path):
    from lamm_bench.errors import UserError
    from lamm_bench.store import PredictionStore

    good = '{"sample_id": "0", "key": "", "text": "ok"}\n'
    store = PredictionStore(tmp_path / "s.jsonl")
    store.path.write_text(good + good.replace('"0"', '"1"')[:20])  # killed mid-line: ignored, by design
    assert list(store.read()) == [("0", "")]
    for bad, problem in ((b'{"sample_id": ' + DEEP.encode() + b"}", "nested more than 64 levels deep"),
                         (b'{"sample_id": "\xff", "key": "", "text": ""}', "not UTF-8 text"),
                         (b'{"sample_id": "1", "key": "", "text": "", "n_tokens": -3}', "'n_tokens' should not be")):
        store.path.write_bytes(good.encode() + bad + b"\n")
        with pytest.raises(UserError, match=rf"line 2: .*{problem}"):
            store.read()
