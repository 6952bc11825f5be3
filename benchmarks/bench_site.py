"""The leaderboard site at the full LAMM size: 62,439 2D samples per model, chunked browser against one big page.

The fixture: two models' result files over the 11 2D paper datasets with the LAMM sample counts of
``bench_full_scoring.sample_counts`` (62,439 in all), each sample with the real task's request (system message and
user text built by the task's own first stage from the mini benchmark's records, repeated with new ids), an answer
of the dummy's shape, a parsed answer, scores and terms, and an image: the first 100 samples of each task get an
image file of their own (so a page of 50 shows 50 distinct thumbnails), the rest share the 24 images of the mini
records. Then ``lamm-bench leaderboard`` renders the site, and headless Chromium opens, from ``file://``,
``index.html`` and the browser page of the largest task, against the naive way: one page with every sample of
that task in its HTML (request, output, parsed answer, image).

Measured: bytes a first render needs (the page, its scripts and styles, the first chunk, the pictures it shows),
first contentful paint, and for the browser the time until the first 50 samples are on screen
(``performance.mark("lamm-first-render")``); for the naive page, the load event (every image fetched).

Run: ``python benchmarks/bench_site.py [--scale 1.0] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_full_scoring import sample_counts  # noqa: E402

from lamm_bench import registry  # noqa: E402
from lamm_bench.data import load_samples  # noqa: E402
from lamm_bench.demo.build import build_lamm_mini  # noqa: E402
from lamm_bench.results import TaskResult, result_paths  # noqa: E402
from lamm_bench.plan import build_stage  # noqa: E402

TASKS = {"cifar10": "Classification_CIFAR10", "voc2012": "Detection_VOC2012", "scienceqa": "VQA_SQAimage",
         "ai2d": "VQA_AI2D", "flickr30k": "Caption_flickr30k", "ucmerced": "Fine-grained_Classification_UCMerced",
         "fsc147": "Counting_FSC147", "svt": "OCR_SVT", "celeba-smile": "Facial_Classification_CelebA(Smile)",
         "celeba-hair": "Facial_Classification_CelebA(Hair)", "lsp": "Keypoints_Detection_LSP"}  # fmt: skip
TEMPLATE = Path(__file__).parent.parent / "tests/fixtures/leaderboard/results/model-a/cifar10.json"


def fake_row(spec, sample, new_id: str, media: str, rng: random.Random) -> dict:
    box = sorted(round(rng.random(), 2) for _ in range(2)) + sorted(round(rng.random(), 2) for _ in range(2))
    box = [box[0], box[2], box[1], box[3]]
    right = rng.random() < 0.4
    requests = [{"key": r.key, "system": r.system, "text": r.text} for r in build_stage(spec, 0, sample, {}, 0)]
    return {"id": new_id, "prediction": f"It is a cat {box}, about {rng.randint(0, 12)} of them. The answer is (A).",
            "parsed": {"boxes": [box]} if spec.name == "voc2012" else {"found": "cat" if right else None},
            "scores": {"correct": float(right)}, "unparsed": rng.random() < 0.1, "failed": False,
            "requests": requests, "media": [media], "target": dict(sample.target),
            "terms": [100.0 * right, 1.0]}  # fmt: skip


def build(root: Path, scale: float) -> tuple[Path, Path, int]:
    """Data root and leaderboard folder with two models' results; returns them and the sample total."""
    data, out = root / "data", root / "lb"
    build_lamm_mini(data, [registry.get_task(task) for task in TASKS], scale=0.48)  # 24 records a meta file
    counts, template, total = sample_counts(scale), json.loads(TEMPLATE.read_text()), 0
    for task, stem in TASKS.items():
        spec = registry.get_task(task)
        samples, _ = load_samples(spec, data)
        n = counts[stem]
        for model, seed in (("synthetic-a", 0), ("synthetic-b", 1)):
            rng, rows = random.Random(seed), []
            for i in range(n):
                sample = samples[i % len(samples)]
                media = Path(sample.images[0]).relative_to(data).as_posix()
                if i < 100:  # an image file of its own: the first pages show distinct pictures
                    own = Path(media).with_name(f"own_{i}{Path(media).suffix}").as_posix()
                    if not (data / own).exists():
                        shutil.copyfile(data / media, data / own)
                    media = own
                rows.append(fake_row(spec, sample, str(i), media, rng))
            value = sum(r["terms"][0] for r in rows) / n
            result = dict(template, model={**template["model"], "name": model})
            result["task"] = {**template["task"], "name": task, "n_samples": n, "version": spec.version}
            result["paper_metric"] = {"name": spec.paper_metric[0], "value": value, "key": spec.paper_metric[1]}
            result["primary"] = {"name": spec.paper_metric[1], "value": value, "ci95": None}
            result["metrics"] = {spec.paper_metric[1]: value}
            result["higher_is_better"] = {spec.paper_metric[1]: True}
            json_path, rows_path = result_paths(out, model, task)
            json_path.parent.mkdir(parents=True, exist_ok=True)
            TaskResult.from_json(result)  # a valid result file
            json_path.write_text(json.dumps(result))
            rows_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        total += n
    return data, out, total


def naive_page(out: Path, model: str, task: str) -> Path:
    """Every sample of a task in one HTML page, the way a one-file report would do it."""
    rows = [json.loads(line) for line in result_paths(out, model, task)[1].open()]
    media = json.loads((out / "predictions/media/index.json").read_text())
    by_path = {}
    for chunk in sorted((out / "predictions" / model / task).glob("*.js")):
        text = chunk.read_text()
        for s in json.loads(text[text.index(",") + 1: -3]):
            by_path[s["id"]] = s["media"][0]["src"] if s["media"] else ""
    assert media
    parts = [f"<!doctype html><meta charset=utf-8><title>{task}</title><link rel=stylesheet href=site.css><body>"]
    for r in rows:
        req = r["requests"][0]
        parts.append(f"<article><img src=\"media/{by_path[r['id']]}\" width=300><h3>{html.escape(r['id'])}</h3>"
                     f"<pre>{html.escape(req['system'])}</pre><pre>{html.escape(req['text'])}</pre>"
                     f"<pre>{html.escape(r['prediction'])}</pre><pre>{html.escape(json.dumps(r['parsed']))}</pre>"
                     f"<pre>{html.escape(json.dumps(r['scores']))}</pre></article>")  # fmt: skip
    path = out / "predictions" / f"naive-{task}.html"
    path.write_text("".join(parts) + "</body>")
    return path


def measure(driver, page: Path, site: Path, *, wait_mark: bool) -> dict:
    """Time to first paint / first samples, and the bytes of every file the page used by then."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(page.as_uri())  # returns after the load event
    load_wall = time.perf_counter() - start
    if wait_mark:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.hasAttribute('data-rendered')"))
    timing = driver.execute_script("""
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const mark = performance.getEntriesByName('lamm-first-render')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        const files = [location.href, ...Array.from(document.scripts).map(s => s.src),
                       ...Array.from(document.querySelectorAll('link[rel=stylesheet]')).map(l => l.href),
                       ...Array.from(document.images).filter(i => i.complete && i.naturalWidth).map(i => i.src)];
        return {fcp: paint ? paint.startTime : null, rendered: mark ? mark.startTime : null,
                load: nav ? nav.loadEventEnd : null, files: files.filter(f => f)};""")
    from urllib.parse import unquote, urlparse

    paths = {Path(unquote(urlparse(f).path)) for f in timing["files"] if f.startswith("file:")}
    return {"bytes": sum(p.stat().st_size for p in paths if p.is_file()), "files": len(paths),
            "fcp_ms": timing["fcp"], "rendered_ms": timing["rendered"], "load_ms": timing["load"],
            "wall_s": load_wall}  # fmt: skip


def browser():
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={tempfile.mkdtemp()}"):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the LAMM sample counts")
    parser.add_argument("--root", type=Path, default=None, help="where to build (default: a temp dir, removed)")
    parser.add_argument("--measure-only", action="store_true", help="reuse the site already built under --root")
    args = parser.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="lamm-site-"))
    data, out = root / "data", root / "lb"
    if not args.measure_only:
        start = time.perf_counter()
        data, out, total = build(root, args.scale)
        print(f"fixture: 2 models x {total:,} 2D samples under {root} ({time.perf_counter() - start:.1f} s)")
        from lamm_bench.leaderboard import write_leaderboard

        start = time.perf_counter()
        write_leaderboard(out, data_root=data)
        files = [p for p in out.rglob("*") if p.is_file() and "results" not in p.parts]
        print(f"lamm-bench leaderboard: {time.perf_counter() - start:.1f} s; site {len(files):,} files, "
              f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB on disk")  # fmt: skip
    largest = max(TASKS, key=lambda t: sample_counts(args.scale)[TASKS[t]])
    naive = naive_page(out, "synthetic-a", largest)
    driver = browser()
    try:
        rows = [("index.html", measure(driver, out / "index.html", out, wait_mark=False)),
                (f"browser: {largest}", measure(driver, out / f"predictions/synthetic-a/{largest}.html", out, wait_mark=True)),
                (f"naive: {largest} in one page", measure(driver, naive, out, wait_mark=False))]  # fmt: skip
    finally:
        driver.quit()
    n = sample_counts(args.scale)[TASKS[largest]]
    print(f"largest task: {largest}, {n:,} samples")
    ms = lambda v: f"{v:.0f} ms" if v is not None else "n/a"  # noqa: E731
    for name, m in rows:
        shown = f", first samples {ms(m['rendered_ms'])}" if m["rendered_ms"] else ""
        print(f"{name:32s} {m['bytes'] / 1e3:9.1f} kB in {m['files']:5d} files; first paint {ms(m['fcp_ms'])}"
              f"{shown}; load event {ms(m['load_ms'])} (wall {m['wall_s']:.2f} s)")  # fmt: skip
    if args.root is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
