"""The GPU check's driver: runs each section in its own process with its own timeout, and writes the report.

Run through ``benchmarks/gpu.sh`` (which prepares an offline environment first), or directly:
``python benchmarks/gpu_bench.py [--dry-run] [--out DIR] [--budget SECONDS] [--only a,b]``.

Sections, in order (most wanted figures first): ``env`` (devices and versions), ``lamm_gen`` and ``hf_gen``
(:mod:`gpu_gen`), ``train`` (:mod:`gpu_train`), ``pytest_gpu`` (the ``gpu``-marked tests; collect-only in a dry
run), ``dist`` (:mod:`gpu_train`). Each gets its own timeout, cut to what is left of the total budget. A section that
fails, crashes or times out is recorded as such and the next one runs; each keeps every row it wrote before.
After every section ``OUT/gpu.json`` (all figures), ``OUT/gpu.md`` (tables) and ``OUT/gpu.log`` (each section's
output tail) are rewritten, so whatever stops the run, the figures measured so far are on disk. ``--dry-run`` runs
every step at tiny size on the CPU.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gpu_report import render

REPO = Path(__file__).resolve().parents[1]
SECTIONS = {  # name: (GPU-run timeout s, dry-run timeout s), in running order (most wanted figures first)
    "env": (45, 60),
    "lamm_gen": (130, 120),
    "hf_gen": (110, 120),
    "choice": (60, 60),
    "train": (130, 120),
    "pytest_gpu": (150, 90),
    "dist": (120, 120),
}
MIN_SECTION_S = 20
"""A section is not started with less time than this left in the budget."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--dry-run", action="store_true", help="every step at tiny size, on the CPU")
    parser.add_argument("--budget", type=float, default=None, help="total seconds (default 450; 240 dry)")
    parser.add_argument("--only", default="", help="comma-separated sections to run")
    parser.add_argument("--section", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.section:
        return run_section(args.section, args.work, args.dry_run)
    return orchestrate(args)


def orchestrate(args) -> int:
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gpu_bench_")) if args.work is None else args.work.resolve()
    budget = args.budget if args.budget is not None else (240.0 if args.dry_run else 450.0)
    deadline = time.monotonic() + budget
    names = [n for n in SECTIONS if not args.only or n in args.only.split(",")]
    report = {"dry_run": args.dry_run, "budget_s": budget, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "work": str(work), "sections": {}}  # fmt: skip
    log = out / "gpu.log"
    log.write_text(f"gpu_bench {'dry run' if args.dry_run else 'GPU run'} {report['started']}, work {work}\n")
    setup_log = Path(os.environ.get("GPU_BENCH_SETUP_LOG", "/nonexistent"))
    if setup_log.is_file():
        with log.open("a") as handle:
            handle.write("===== setup (gpu.sh) =====\n" + setup_log.read_text(errors="replace")[-6000:] + "\n")
    for name in names:
        left = deadline - time.monotonic()
        if left < MIN_SECTION_S:
            report["sections"][name] = {"status": "skipped: out of time budget", "rows": [], "notes": []}
        else:
            limit = min(SECTIONS[name][1 if args.dry_run else 0], left)
            report["sections"][name] = _run_child(name, work, args.dry_run, limit, log)
        _write(out, report)
        section = report["sections"][name]
        print(f"gpu_bench: {name}: {section['status']} ({section.get('seconds', 0)} s)", flush=True)
    print((out / "gpu.md").read_text(), flush=True)  # the figures also reach whoever reads only the console
    bad = [n for n, s in report["sections"].items() if s["status"] != "ok"]
    return 1 if bad else 0


def _run_child(name: str, work: Path, dry_run: bool, limit: float, log: Path) -> dict:
    """Run one section in its own process (see :func:`run_recorded`)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--section", name, "--work", str(work)]
    return run_recorded(name, command + (["--dry-run"] if dry_run else []), work, limit, log)


def run_recorded(name: str, command: list[str], work: Path, limit: float, log: Path) -> dict:
    """Run ``command`` in a new process group, killing the whole group after ``limit`` seconds.

    Returns:
        The rows and notes the process wrote to ``work/<name>.json`` (whatever it wrote before it failed or was
        killed), with ``status`` (``ok``, ``partial (see notes)``, ``error (exit N)``, ``timeout after N s``) and
        ``seconds``. The tail of its output is appended to ``log``.
    """
    part, output = work / f"{name}.json", work / f"{name}.log"
    started = time.monotonic()
    with output.open("w") as sink:
        child = subprocess.Popen(command, cwd=work, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = child.wait(timeout=limit)
            status = "ok" if code == 0 else f"error (exit {code})"
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            status = f"timeout after {limit:.0f} s"
    seconds = round(time.monotonic() - started, 1)
    data = json.loads(part.read_text()) if part.is_file() else {"rows": [], "notes": []}
    if status == "ok" and any("FAILED" in note for note in data.get("notes", [])):
        status = "partial (see notes)"
    data.update(status=status, seconds=seconds)
    tail = output.read_text(errors="replace").splitlines()[-80:]
    with log.open("a") as handle:
        handle.write(f"\n===== {name}: {status}, {seconds} s =====\n" + "\n".join(tail) + "\n")
    return data


def _write(out: Path, report: dict) -> None:
    for name, text in (("gpu.json", json.dumps(report, indent=1, default=str)), ("gpu.md", render(report))):
        tmp = out / f".{name}.tmp"
        tmp.write_text(text + "\n")
        os.replace(tmp, out / name)


def run_section(name: str, work: Path, dry_run: bool) -> int:
    """Child process: run one section, recording into ``work/<name>.json``."""
    import logging

    from gpu_common import Context, Recorder

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ctx = Context(dry_run=dry_run, work=work, repo=REPO)
    rec = Recorder(work / f"{name}.json", name)
    if name == "env":
        env_section(rec, ctx)
    elif name == "pytest_gpu":
        pytest_section(rec, ctx)
    elif name in ("lamm_gen", "hf_gen"):
        import gpu_gen

        (gpu_gen.lamm_generation if name == "lamm_gen" else gpu_gen.hf_generation)(rec, ctx)
    elif name == "choice":
        choice_section(rec, ctx)
    elif name in ("train", "dist"):
        import gpu_train

        (gpu_train.train_section if name == "train" else gpu_train.dist_section)(rec, ctx)
    else:
        raise SystemExit(f"unknown section {name}")
    return 0


def env_section(rec, ctx) -> None:
    """Python, library versions, the device and ``nvidia-smi``'s view of it."""
    from importlib.metadata import PackageNotFoundError, version

    import torch

    info: dict[str, object] = {"python": platform.python_version(), "torch": torch.__version__,
                               "cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available()}  # fmt: skip
    for dist in ("transformers", "peft", "accelerate", "open_clip_torch", "torchvision", "deepspeed", "lamm-bench"):
        try:
            info[dist] = version(dist)
        except PackageNotFoundError:
            info[dist] = None
    for module in ("open_clip", "torchvision", "sentencepiece"):
        try:
            importlib.import_module(module)
        except Exception as err:  # noqa: BLE001 - recorded: every later section needs these
            rec.note(f"import {module}: FAILED: {type(err).__name__}: {err}")
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(device=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gib=round(props.total_memory / 2**30, 1), device_count=torch.cuda.device_count(),
                    bf16=torch.cuda.is_bf16_supported())  # fmt: skip
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=20)  # fmt: skip
        info["nvidia_smi"] = smi.stdout.strip() or smi.stderr.strip()[-200:]
    except (OSError, subprocess.TimeoutExpired):
        info["nvidia_smi"] = None
    rec.set("env", info)


def choice_section(rec, ctx) -> None:
    """ChEF's choice scoring, naive (one sequence per option) against the shared prefix, on LAMM's model at LAMM-7B's
    size in fp16 (``bench_choice.py``; a tiny fp32 model on the CPU in a dry run)."""
    import bench_choice

    size = dict(hidden=64, layers=2, questions=2, repeats=1, dtype="float32") if ctx.dry_run else \
        dict(hidden=4096, layers=32, questions=16, repeats=3, dtype="float16")  # fmt: skip
    for row in bench_choice.measure(device=ctx.device, **size):
        rec.row(table="choice", hidden=size["hidden"], layers=size["layers"], **row)


def pytest_section(rec, ctx) -> None:
    """``pytest -m gpu`` on every test file with a ``gpu`` mark (only collected in a dry run)."""
    files = sorted(str(p) for p in (ctx.repo / "tests").rglob("test_*.py") if "mark.gpu" in p.read_text())
    command = [sys.executable, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "-q", "-rA",
               "--continue-on-collection-errors", "--rootdir", str(ctx.repo), "-c", str(ctx.repo / "pyproject.toml"),
               *(["--collect-only"] if ctx.dry_run else []), *files]  # fmt: skip
    done = subprocess.run(command, cwd=ctx.work, capture_output=True, text=True, timeout=600)
    sys.stdout.write(done.stdout[-20000:] + done.stderr[-5000:])
    lines = done.stdout.strip().splitlines()
    for line in lines:
        hit = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(.*)$", line)
        if hit:
            rec.row(table="pytest", outcome=hit.group(1), test=hit.group(2)[:200])
    rec.set("pytest", {"exit_code": done.returncode, "files": [str(Path(f).relative_to(ctx.repo)) for f in files],
                       "summary": lines[-1] if lines else "", "collect_only": ctx.dry_run})  # fmt: skip
    if done.returncode not in (0, 5) or (not ctx.dry_run and done.returncode == 5):
        rec.note(f"pytest -m gpu: FAILED: exit code {done.returncode}: {lines[-1] if lines else ''}")


if __name__ == "__main__":
    sys.exit(main())
