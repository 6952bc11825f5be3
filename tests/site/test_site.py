"""The static site `lamm-bench leaderboard` writes: deterministic, self-contained, every number traceable to the
exact request and answer behind it; chunked samples; significance per column; `lamm-bench serve`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

from cli_helpers import CLI, run_cli

from lamm_bench import registry
from lamm_bench.compare import compare_task
from lamm_bench.results import load_results
from lamm_bench.rows import PredictionRow, RequestTrace, read_prediction_rows
from lamm_bench.site.browser import CHUNK, write_task_pages
from lamm_bench.site.media import MediaMaker


def chunk(site: Path, model: str, task: str, index: int = 0) -> list[dict]:
    text = (site / "predictions" / model / task / f"{index:04d}.js").read_text()
    match = re.fullmatch(r"lammChunk\((\d+),(.*)\);\n", text, re.S)
    assert match and int(match.group(1)) == index
    return json.loads(match.group(2))


def page_data(site: Path, model: str, task: str) -> dict:
    html = (site / "predictions" / model / f"{task}.html").read_text()
    return json.loads(re.search(r"window\.LAMM_PAGE=(\{.*?\});</script>", html).group(1))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_measured_cell_links_to_an_existing_browser_page(site):
    html = (site / "index.html").read_text()
    links = re.findall(r'<a href="(predictions/[^"]+\.html)">', html)
    assert len(links) == 8 and len(set(links)) == 8  # 5 results of dummy, 3 of dummy-b
    assert all((site / link).is_file() for link in links)
    assert "predictions/dummy-b/fsc147.html" in links
    # reference rows are marked, the chart is there, nothing is fetched from the network
    # the 2D and 3D paper tables' published rows, ChEF's scenario table's (LAMM, Random) and its desiderata table's
    # (LAMM's POPE number)
    assert html.count('<tr class="reference">') == 6 + 3 + 2 + 1
    assert '<img id="chart" src="chart.png"' in html and (site / "chart.png").is_file()
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_request_text_output_parse_and_score_behind_a_number(site, mini_root):
    spec = registry.get_task("voc2012")
    meta = json.loads((mini_root / "2D_Benchmark/meta_file/Detection_VOC2012.json").read_text())
    data, first = page_data(site, "dummy", "voc2012"), chunk(site, "dummy", "voc2012")[0]
    rows = read_prediction_rows(site / "results/dummy/voc2012.predictions.jsonl")
    (request,) = first["requests"]
    assert data["systems"][request["s"]] == spec.system_message and request["text"] == meta[0]["query"]
    assert first["output"] == rows[0].prediction and first["parsed"] == rows[0].parsed
    assert first["scores"] == rows[0].scores and first["value"] == rows[0].terms[0] / rows[0].terms[1]
    # boxes to draw, as the task declares them in the row: the meta file's ground truth and the parsed boxes
    assert first["overlay"]["gt"] == [o["bbox"] for o in meta[0]["object"]]
    assert first["overlay"]["pred"] == rows[0].parsed["boxes"]
    assert [(b.label, list(b.box)) for b in rows[0].overlay.gt_boxes] == [(o["label"], o["bbox"]) for o in meta[0]["object"]]
    # a thumbnail inside the site, named in the page; the source's size kept for pixel coordinates
    (picture,) = first["media"]
    assert picture["path"] == "2D_Benchmark/" + meta[0]["image"]
    assert (site / "predictions/media" / picture["src"]).read_bytes()[:3] == b"\xff\xd8\xff"


def test_3d_samples_have_a_rendered_cloud_and_boxes_side_by_side(site):
    first = chunk(site, "dummy", "scanrefer")[0]
    assert first["media"][0]["src"].endswith(".png") and first["media"][0]["path"].endswith("_vert.npy")
    assert (site / "predictions/media" / first["media"][0]["src"]).read_bytes()[:4] == b"\x89PNG"
    assert first["boxes3d"] == {"gt": [["", first["target"]["object"]]], "pred": []}  # the dummy's box is 2D


def test_flags_mark_wrong_unparsed_and_match_the_scores(site):
    data = page_data(site, "dummy", "binary-loc")
    samples = chunk(site, "dummy", "binary-loc")
    assert data["n"] == len(samples) == len(data["flags"]) and data["wrongKnown"]
    for sample, flag in zip(samples, data["flags"]):
        assert int(flag) == sample["flags"]
        assert bool(int(flag) & 1) == (sample["value"] < 100)
    assert "0" in data["flags"] and any(int(f) & 1 for f in data["flags"])  # both right and wrong samples


def test_the_significance_row_is_the_paired_bootstrap_of_best_and_next(site):
    results = {(r.model.name, r.task.name): r for r in load_results(site / "results")}
    a, b = results[("dummy-b", "fsc147")], results[("dummy", "fsc147")]
    assert a.paper_metric.value < b.paper_metric.value  # MAE: dummy-b leads
    d = compare_task(a, b, read_prediction_rows(site / "results/dummy-b/fsc147.predictions.jsonl"),
                     read_prediction_rows(site / "results/dummy/fsc147.predictions.jsonl")).difference  # fmt: skip
    html = (site / "index.html").read_text()
    expected = f"dummy-b over dummy: Δ {d.difference:+.2f} [{d.ci95[0]:+.2f}, {d.ci95[1]:+.2f}]"
    assert expected in html and not d.significant
    proc = run_cli("compare", "dummy-b", "dummy", "--task", "fsc147", "--out", str(site))
    assert proc.returncode == 0 and f"{d.difference:+.2f}" in proc.stdout and f"[{d.ci95[0]:+.2f}, {d.ci95[1]:+.2f}]" in proc.stdout


def test_rendering_is_deterministic_and_drops_stale_pages(site, mini_root, tmp_path):
    def site_files(folder: Path) -> dict[str, bytes]:
        return {k: v for k, v in tree(folder).items() if k == "index.html" or k.startswith("predictions/")}

    copy = tmp_path / "lb"
    shutil.copytree(site, copy)
    assert run_cli("leaderboard", "--out", str(copy), "--data-root", str(mini_root)).returncode == 0
    assert site_files(copy) == site_files(site)
    # without the data root, the pictures already made are reused: the same bytes again
    assert run_cli("leaderboard", "--out", str(copy), env={"LAMM_BENCH_DATA": ""}).returncode == 0
    assert site_files(copy) == site_files(site)
    # the README and chart are what they were before the site existed
    assert (copy / "README.md").read_bytes() == (site / "README.md").read_bytes()
    proc = run_cli("leaderboard", "--out", str(copy), "--data-root", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    shutil.rmtree(copy / "results/dummy-b")
    assert run_cli("leaderboard", "--out", str(copy)).returncode == 0
    assert not (copy / "predictions/dummy-b").exists() and "dummy-b" not in (copy / "index.html").read_text()
    # a picture no page uses any more is dropped with its page
    used = {m["src"] for p in (copy / "predictions").glob("*/*/*.js") for m in chunk_media(p)}
    assert {p.name for p in (copy / "predictions/media").iterdir()} == used | {"index.json"}


def chunk_media(path: Path) -> list[dict]:
    text = path.read_text()
    return [m for s in json.loads(text[text.index(",") + 1: -3]) for m in s["media"]]


def test_samples_are_chunked_and_flagged_for_a_large_task(tmp_path):
    result = load_results(Path(__file__).parent.parent / "fixtures/leaderboard/results")[2]  # model-a cifar10
    rows = [PredictionRow(str(i), f"answer {i}", scores={"correct": float(i % 3 == 0)}, unparsed=i % 5 == 0,
                          terms=(100.0 * (i % 3 == 0), 1.0), requests=(RequestTrace("", "S", f"question {i}"),))
            for i in range(2 * CHUNK + 7)]  # fmt: skip
    page = write_task_pages(tmp_path, result, rows, MediaMaker(tmp_path / "media", None))
    assert sorted(p.name for p in (tmp_path / result.task.name).iterdir()) == ["0000.js", "0001.js", "0002.js"]
    data = json.loads(re.search(r"window\.LAMM_PAGE=(\{.*?\});</script>", page.read_text()).group(1))
    assert data["systems"] == ["S"] and len(data["flags"]) == len(rows)
    assert [int(f) for f in data["flags"][:6]] == [2, 1, 1, 0, 1, 3]  # 1 wrong, 2 unparsed
    assert (tmp_path / result.task.name / "0002.js").read_text().count('"id":') == 7


def test_a_script_end_tag_in_an_answer_cannot_break_out_of_the_page(tmp_path):
    result = load_results(Path(__file__).parent.parent / "fixtures/leaderboard/results")[2]
    rows = [PredictionRow("x</script><script>alert(1)</script>", "</script>", terms=(0, 1))]
    write_task_pages(tmp_path, result, rows, MediaMaker(tmp_path / "media", None))
    assert "</script>" not in (tmp_path / result.task.name / "0000.js").read_text()
    assert (tmp_path / f"{result.task.name}.html").read_text().count("</script>") == 2


def test_serve_answers_on_localhost_only(site):
    proc = subprocess.Popen([CLI, "serve", "--out", str(site), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10).read()
        assert body == (site / "index.html").read_bytes()
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/predictions/dummy/voc2012.html", timeout=10).read()
        assert b"window.LAMM_PAGE=" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    empty = run_cli("serve", "--out", str(site / "results"), "--port", "0")
    assert empty.returncode == 2 and "index.html does not exist" in empty.stderr
