"""The ``lamm-bench`` command line. User mistakes exit 2 with one line on stderr; bugs exit 1.

Imports are deferred into the commands so ``lamm-bench --help`` and ``lamm-bench list tasks`` stay instant.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from lamm_bench.errors import RankFailure, UserError, one_line

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Evaluate multimodal LLMs on the LAMM benchmark.")
list_app = typer.Typer(no_args_is_help=True, help="List what exists.")
data_app = typer.Typer(no_args_is_help=True, help="Check or create LAMM data roots.")
app.add_typer(list_app, name="list")
app.add_typer(data_app, name="data")

DataRoot = Annotated[Optional[Path], typer.Option("--data-root", help="LAMM_Dataset folder (default $LAMM_BENCH_DATA).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _split(values: list[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part]


def _limits(values: list[str]) -> tuple[int | None, dict[str, int]]:
    """``--limit`` values: ``N`` for every task, ``NAME=N`` for a task or group (the runner checks the names)."""
    every: int | None = None
    named: dict[str, int] = {}
    for value in values:
        name, sep, count = value.rpartition("=")
        try:
            number = int(count)
        except ValueError:
            number = None
        if number is None or (sep and not name):
            raise UserError(f"--limit expects N or NAME=N (N a positive integer), got {value!r}")
        if sep:
            named[name] = number  # each checked to be at least 1 with the run's other settings
        else:
            every = number
    return every, named


def _model_args(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--model-arg expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


@app.command()
def run(
    model: Annotated[list[str], typer.Option("--model", help="Model card or adapter name(s), comma-separated.")],
    task: Annotated[list[str], typer.Option("--task", help="Task or group name(s), comma-separated.")],
    data_root: DataRoot = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder (results/ and store/).")] = Path("leaderboard"),
    limit: Annotated[list[str], typer.Option(help=(
        "Only the first N samples of each task (of each run, for a task of several runs); NAME=N for one task or "
        "group only (repeatable)."))] = [],
    batch_size: Annotated[str, typer.Option("--batch-size", help="Requests per model call, or auto (halve on GPU OOM).")] = "8",
    seed: Annotated[int, typer.Option(help="Seed for everything random.")] = 0,
    model_arg: Annotated[list[str], typer.Option("--model-arg", help=(
        "Adapter argument KEY=VALUE (repeatable); MODEL:KEY=VALUE for one of the models only."))] = [],
    name: Annotated[Optional[str], typer.Option(help="Model name in results (default: the card name).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    decoding: Annotated[str, typer.Option(help="greedy, or paper: the paper-era sampling (top_p 0.9, T 1.0).")] = "greedy",
    prefetch: Annotated[bool, typer.Option(help="Decode the next batch's media in the background (adapters that ask).")] = True,
    choice_scoring: Annotated[str, typer.Option(help="shared (options from one prompt encoding) or naive (checking).")] = "shared",
    strip_reasoning: Annotated[bool, typer.Option(help="Take the reasoning block out of answers before parsing.")] = True,
    reasoning_tags: Annotated[str, typer.Option(help="The reasoning block's tags, OPEN,CLOSE.")] = "<think>,</think>",
) -> None:
    """Run models on tasks; write OUT/results/<model>/<task>.json and per-sample predictions."""
    from lamm_bench.api import evaluate_models
    from lamm_bench.console import ProgressBars, print_results

    models, tasks, args = _split(model), _split(task), _model_args(model_arg)
    every, per_task = _limits(limit)
    batch: int | str = int(batch_size) if batch_size.strip().isdigit() else batch_size.strip()
    with ProgressBars(enabled=progress) as bars:  # every model, task and folder is checked before the first loads
        results = evaluate_models(
            models, tasks, data_root=data_root, out_dir=out, limit=every, task_limits=per_task, batch_size=batch,
            seed=seed, model_args=args, name=name, progress=bars.update, decoding=decoding, prefetch=prefetch,
            choice_scoring=choice_scoring, strip_reasoning=strip_reasoning, reasoning_tags=reasoning_tags,
        )  # fmt: skip
    if results:  # ranks other than 0 of a torchrun have none
        print_results(results, out)


@app.command()
def check(
    model: Annotated[str, typer.Argument(help="Model card or adapter name.")],
    task: Annotated[list[str], typer.Option("--task", help="Task or group name(s), comma-separated.")],
    data_root: DataRoot = None,
    limit: Annotated[int, typer.Option(help="The first N samples of each task.")] = 16,
    batch_size: Annotated[int, typer.Option("--batch-size", help="The batch size compared with batch 1.")] = 8,
    ranks: Annotated[int, typer.Option(help="Also run on this many ranks under torchrun (1: no).")] = 1,
    seed: Annotated[int, typer.Option(help="Seed for everything random.")] = 0,
    model_arg: Annotated[list[str], typer.Option("--model-arg", help="Adapter argument KEY=VALUE (repeatable).")] = [],
    out: Annotated[Optional[Path], typer.Option("--out", help="Keep the runs' folders here (default: a temporary folder).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Prove the answers do not depend on batching: a slice at batch 1, at batch N (and on R ranks), compared byte for
    byte; exit 1 naming the first differing sample."""
    from lamm_bench.check import check_invariance
    from lamm_bench.console import ProgressBars

    with ProgressBars(enabled=progress) as bars:
        report = check_invariance(model, _split(task), data_root=data_root, out_dir=out, limit=limit,
                                  batch_size=batch_size, ranks=ranks, seed=seed, model_args=_model_args(model_arg),
                                  progress=bars.update)  # fmt: skip
    typer.echo(report.summary())
    if report.difference is not None:
        raise typer.Exit(1)


@app.command()
def score(
    task: Annotated[str, typer.Option("--task", help="Task name.")],
    predictions: Annotated[Path, typer.Option("--predictions", help="JSONL of {id, text}, LAMM's JSON answer list, or ChEF's answer file (chef-*; a folder of <run>.json for chef-pope).")],
    data_root: DataRoot = None,
    as_json: JsonFlag = False,
    partial: Annotated[bool, typer.Option(help="Score only the samples that have a prediction.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap interval and of seeded inputs (chef-robust-*'s generated corruptions: the run's seed).")] = 0,
) -> None:
    """Score answers produced elsewhere, exactly as `run` would."""
    from lamm_bench import registry
    from lamm_bench.checks import check_seed
    from lamm_bench.data import load_samples, resolve_data_root
    from lamm_bench.predictions import read_predictions, read_reference_answers
    from lamm_bench.resources import check_resources
    from lamm_bench.scoring import score_answer_file, score_predictions

    check_seed(seed)
    spec = registry.get_task(task)
    reference = read_reference_answers(predictions, spec.answer_runs) if spec.answer_file is not None else None
    if reference is not None:  # ChEF's own answer file: its metric over the answers as written, no data needed
        check_resources([spec])
        _print_score(score_answer_file(spec, reference, str(predictions)), None, spec.paper_metric[1], as_json)
        return
    samples, _ = load_samples(spec, resolve_data_root(data_root), seed=seed)
    answers = read_predictions(predictions, spec, samples, partial=partial)  # a bad file fails before resources load
    check_resources([spec])
    scored = [s for s in samples if s.id in answers]
    outcome = score_predictions(spec, scored, answers, seed=seed)
    report = {
        "task": spec.name,
        "version": spec.version,
        "protocol": spec.protocol,
        "n": len(scored),
        "paper_metric": {"name": spec.paper_metric[0], "value": outcome.paper_value},
        "metrics": outcome.metrics,
        "unparsed": outcome.unparsed,
    }
    _print_score(report, outcome.ci95, outcome.primary, as_json)


def _print_score(report: dict, ci95, primary: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report))
    else:
        from lamm_bench.console import print_score

        print_score(report, ci95, primary)


@app.command()
def judge(
    models: Annotated[str, typer.Option("--models", help="The two models to compare, A,B (their results must exist).")],
    judge_model: Annotated[str, typer.Option("--judge", help="Judge model (usually `openai`).")],
    judge_arg: Annotated[list[str], typer.Option("--judge-arg", help="Judge adapter argument KEY=VALUE.")] = [],
    task: Annotated[list[str], typer.Option("--task", help="Subset of the GPT-metric tasks (default: all 9), or chef-langperf alone.")] = [],
    data_root: DataRoot = None,
    out: Annotated[Path, typer.Option("--out", help="Leaderboard folder with results/.")] = Path("leaderboard"),
    seed: Annotated[int, typer.Option(help="Seed of the judged subset.")] = 0,
    answers: Annotated[Optional[Path], typer.Option(help="chef-langperf: ChEF's ScienceQA answer file.")] = None,
) -> None:
    """The LAMM paper's GPT metric: an LLM judge ranks two models' answers; writes OUT/judge/<A>_vs_<B>.json.
    With --task chef-langperf, ChEF's language performance: the judge grades one model's ScienceQA CoT answers."""
    from lamm_bench import registry
    from lamm_bench.checks import check_output_folder, check_seed
    from lamm_bench.data import resolve_data_root
    from lamm_bench.judge import JudgeSettings, judge_pairwise
    from lamm_bench.names import check_name

    pair = _split([models])
    if "chef-langperf" in _split(task) or answers is not None:
        _judge_langperf(pair, _split(task), judge_model, judge_arg, data_root, out, seed, answers)
        return
    if len(pair) != 2:
        raise UserError(f"--models takes exactly two models, A,B; got {models!r}")
    for model_name in pair:  # each names a folder under OUT/results: never one outside OUT
        check_name(model_name, "--models")
    check_seed(seed)
    check_output_folder(out, ["judge", "store/judge"])
    card = registry.resolve_model(judge_model)
    adapter = registry.build_adapter(card, _model_args(judge_arg))
    if "generate" not in adapter.capabilities:
        raise UserError(f"judge model {judge_model!r} cannot generate text")
    settings = JudgeSettings(pair[0], pair[1], resolve_data_root(data_root), out, tuple(_split(task)), seed)
    adapter.load()
    report = judge_pairwise(adapter, settings)
    typer.echo(json.dumps({k: report[k] for k in ("models", "score", "judged", "unparsed", "failed")}))


def _judge_langperf(models: list[str], tasks: list[str], judge_model: str, judge_arg: list[str], data_root,
                    out: Path, seed: int, answers: Path | None) -> None:  # fmt: skip
    from lamm_bench import registry
    from lamm_bench.checks import check_output_folder, check_seed
    from lamm_bench.data import resolve_data_root
    from lamm_bench.langperf import SOURCE_TASK, LangperfSettings, judge_langperf

    if tasks != ["chef-langperf"] or len(models) != 1:
        raise UserError("chef-langperf judges one model alone: --models M --task chef-langperf [--answers FILE]")
    check_seed(seed)
    settings = LangperfSettings(models[0], resolve_data_root(data_root), out, answers, seed)
    check_output_folder(out, ["judge", "store/judge"])
    adapter = registry.build_adapter(registry.resolve_model(judge_model), _model_args(judge_arg))
    if "generate" not in adapter.capabilities:
        raise UserError(f"judge model {judge_model!r} cannot generate text")
    adapter.load()
    report = judge_langperf(adapter, settings, registry.get_task(SOURCE_TASK))
    keys = ("task", "model", "score", "Avg Score", "items", "scored_items", "missing", "verdicts", "unparsed", "failed")
    typer.echo(json.dumps({k: report[k] for k in keys}))


@list_app.command("tasks")
def list_tasks(as_json: JsonFlag = False) -> None:
    """Every task and group."""
    from lamm_bench import registry
    from lamm_bench.console import print_rows

    rows = [
        {"name": t.name, "protocol": t.protocol, "modality": t.modality, "version": t.version,
         "paper_metric": t.paper_metric[0], "meta_files": list(t.meta_files), "description": t.description}
        for t in registry.tasks().values()
    ]  # fmt: skip
    groups = {name: registry.expand_group(name) for name in registry.groups()}
    if as_json:
        typer.echo(json.dumps({"tasks": rows, "groups": groups}))
        return
    print_rows(rows, ["name", "protocol", "modality", "version", "paper_metric", "description"], "Tasks")
    print_rows([{"group": g, "tasks": ", ".join(m)} for g, m in groups.items()], ["group", "tasks"], "Groups")


@list_app.command("models")
def list_models(as_json: JsonFlag = False) -> None:
    """Every model card and adapter."""
    from lamm_bench import registry
    from lamm_bench.console import print_rows

    rows = [{"name": c.name, "adapter": c.adapter, "files": list(c.files), "description": c.description}
            for c in registry.cards().values()]  # fmt: skip
    adapters = sorted(registry.adapters())
    if as_json:
        typer.echo(json.dumps({"models": rows, "adapters": adapters}))
        return
    print_rows([{**r, "files": ", ".join(r["files"])} for r in rows], ["name", "adapter", "files", "description"], "Models")
    typer.echo("Adapters: " + ", ".join(adapters))


@app.command()
def leaderboard(
    out: Annotated[Path, typer.Option("--out", help="Leaderboard folder.")] = Path("leaderboard"),
    data_root: Annotated[Optional[Path], typer.Option("--data-root", help="LAMM_Dataset folder for the browser's "
                         "pictures (default $LAMM_BENCH_DATA; without one, pictures already made are reused).")] = None,
) -> None:  # fmt: skip
    """Regenerate OUT/README.md, OUT/chart.png and the site (OUT/index.html, OUT/predictions/) from OUT/results/**."""
    import os

    from lamm_bench.leaderboard import write_leaderboard

    root = data_root or (Path(os.environ["LAMM_BENCH_DATA"]) if os.environ.get("LAMM_BENCH_DATA") else None)
    if root is not None and not root.is_dir():
        raise UserError(f"--data-root {root} is not a folder")
    readme = write_leaderboard(out, data_root=root)
    typer.echo(f"wrote {readme} and {Path(out) / 'index.html'}")


@app.command()
def compare(
    model_a: Annotated[str, typer.Argument(help="First model (its results must be in OUT/results).")],
    model_b: Annotated[str, typer.Argument(help="Second model.")],
    task: Annotated[list[str], typer.Option("--task", help="Task(s), comma-separated (default: every task both have).")] = [],
    out: Annotated[Path, typer.Option("--out", help="Leaderboard folder.")] = Path("leaderboard"),
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the resamples.")] = 0,
) -> None:
    """Is A better than B? The paired bootstrap (same resamples for both) of the paper metric's difference, per task."""
    from lamm_bench.compare import compare_models, registry_aggregate
    from lamm_bench.console import print_comparison

    from lamm_bench.checks import check_seed

    if resamples < 1:
        raise UserError(f"compare: --resamples must be positive, got {resamples}")
    check_seed(seed)
    rows = compare_models(out, model_a, model_b, _split(task), aggregate_for=registry_aggregate, n_boot=resamples, seed=seed)
    print_comparison(model_a, model_b, rows)


@app.command()
def serve(
    out: Annotated[Path, typer.Option("--out", help="Leaderboard folder to serve.")] = Path("leaderboard"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free one).")] = 8000,
) -> None:
    """Serve the leaderboard folder on http://127.0.0.1:PORT/ (a convenience: the pages also work from file://)."""
    from lamm_bench.checks import check_port
    from lamm_bench.serve import serve_folder

    serve_folder(out, check_port(port), announce=typer.echo)


@data_app.command("check")
def data_check(
    data_root: DataRoot = None,
    task: Annotated[list[str], typer.Option("--task", help="Tasks to check (default: all).")] = [],
    workers: Annotated[Optional[int], typer.Option(help="Threads decoding media (default: CPU count).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Validate a LAMM_Dataset layout: every meta file and record, and decode every media file the tasks need."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from lamm_bench import registry
    from lamm_bench.checks import check_int_range
    from lamm_bench.console import err, print_rows
    from lamm_bench.data import resolve_data_root
    from lamm_bench.datacheck import check_data

    if workers is not None:
        check_int_range(workers, "--workers", 1)
    root = resolve_data_root(data_root)
    specs = registry.resolve_tasks(_split(task)) if task else list(registry.tasks().values())
    columns = (TextColumn("decoding media"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=not progress) as bar:
        bar_id = bar.add_task("media", total=None)
        report = check_data(root, specs, workers=workers,
                            progress=lambda done, total: bar.update(bar_id, completed=done, total=total))  # fmt: skip
    rows = [{"task": t.task, "samples": "-" if t.samples is None else t.samples,
             "status": "meta file unusable (below)" if t.problem else f"{t.bad_media} bad media files (below)"
             if t.bad_media else "ok"} for t in report.tasks]  # fmt: skip
    print_rows(rows, ["task", "samples", "status"], f"Data root {root}")
    problems = [t.problem for t in report.tasks if t.problem]
    problems += [f"{where}: {bad.problem} (tasks {', '.join(tasks)})" for bad in report.bad_media
                 for where, tasks in bad.records]  # fmt: skip
    for line in problems:
        typer.echo(line)
    typer.echo(f"decoded {report.media_checked} media files in {report.seconds:.1f} s")
    if problems:
        unusable = sum(t.problem is not None for t in report.tasks)
        raise UserError(f"data root {root}: {unusable} of {len(specs)} tasks have an unusable meta file, "
                        f"{len(report.bad_media)} media files are bad; first: {problems[0]}")  # fmt: skip


@data_app.command("mini")
def data_mini(
    out: Annotated[Path, typer.Option("--out", help="Folder to create the lamm-mini data root in.")],
    seed: Annotated[int, typer.Option(help="Seed of every source; the same seed writes the same bytes.")] = 0,
    scale: Annotated[float, typer.Option(help="Multiply every meta file's record count (tests use less).")] = 1.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Write lamm-mini: every task's meta file in the LAMM_Dataset layout from real data, plus a train split."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lamm_bench import registry
    from lamm_bench.checks import check_positive_number, check_seed
    from lamm_bench.console import err
    from lamm_bench.demo.build import build_into

    check_positive_number(scale, "data mini: --scale")
    check_seed(seed)
    columns = (TextColumn("building lamm-mini {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=not progress) as bar:
        bar_id = bar.add_task("", total=None)
        counts = build_into(out, list(registry.tasks().values()), seed=seed, scale=scale,
                            progress=lambda name, done, total: bar.update(bar_id, completed=done, total=total,
                                                                          description=Path(name).stem))  # fmt: skip
    typer.echo(f"wrote {out}: {len(counts)} files, {sum(counts.values())} records")


@app.command()
def train(
    preset: Annotated[str, typer.Option("--preset", help="lamm-7b, lamm-13b, lamm3d-13b or tiny.")],
    data: Annotated[Path, typer.Option("--data", help="LAMM instruction file (e.g. 2D_Instruct/meta_file/*.json).")],
    media_root: Annotated[Optional[Path], typer.Option("--media-root", help="Media folder (default: meta file's grandparent).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", help="Run folder (default runs/<preset>).")] = None,
    max_steps: Annotated[Optional[int], typer.Option("--max-steps", help="Stop after N optimizer steps.")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Training setting KEY=VALUE (repeatable).")] = [],
    model_arg: Annotated[list[str], typer.Option("--model-arg", help="llm=DIR clip=FILE epcl=FILE models_root=DIR.")] = [],
    resume: Annotated[bool, typer.Option(help="Continue from the newest checkpoint in the run folder.")] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """LoRA-train the native LAMM model; writes OUTPUT/pytorch_model.pt (docs/training.md)."""
    from lamm_bench.demo.tiny_models import training_base
    from lamm_bench.distributed import rank_and_world
    from lamm_bench.train.cli import run_train

    outcome = run_train(preset, data, media_root=media_root, output=output, max_steps=max_steps, overrides=set_,
                        model_args=model_arg, resume=resume, progress=progress, builtin_base=training_base)  # fmt: skip
    if rank_and_world()[0] == 0:
        typer.echo(f"wrote {outcome.delta}")


def _stopped_by_launcher(signum, frame) -> None:
    """torchrun ends the other ranks with SIGTERM when one fails: say so in one line (every batch answered so far
    is already stored) instead of dying silently."""
    from lamm_bench.distributed import rank_and_world

    rank, world = rank_and_world()
    sys.stderr.write(f"lamm-bench: error: rank {rank} of {world} stopped by the launcher because another rank failed "
                     "(torchrun names it); the answers stored so far are kept: run the same command again to resume\n")
    sys.exit(1)


def _log_to_stderr() -> None:
    """lamm-bench's warnings (a model trained on first use, a cache rebuilt) go to stderr as bare lines, whatever
    handlers a library adds to the root logger later (one did, and they came out as ``WARNING:name:...``)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(logging.WARNING)
    log = logging.getLogger("lamm_bench")
    log.addHandler(handler)
    log.propagate = False


def main() -> None:
    """Console entry point: maps user errors (and a full disk) to exit 2 with a one-line message."""
    from lamm_bench.distributed import rank_and_world
    from lamm_bench.files import disk_full

    rank, world = rank_and_world()
    where = f"rank {rank} of {world}: " if world > 1 else ""
    _log_to_stderr()
    if world > 1:
        signal.signal(signal.SIGTERM, _stopped_by_launcher)
    try:
        app()  # usage errors (unknown option, missing value) exit 2 inside
    except UserError as exc:
        sys.stderr.write(f"lamm-bench: error: {where}{one_line(str(exc))}\n")
        sys.exit(2)
    except RankFailure as exc:
        sys.stderr.write(f"lamm-bench: error: {one_line(str(exc))}\n")
        sys.exit(1)
    except Exception as exc:
        full = disk_full(exc, getattr(exc, "filename", None) or "a file")  # a writer that did not name its file
        if full is not None:
            sys.stderr.write(f"lamm-bench: error: {where}{one_line(str(full))}\n")
            sys.exit(2)
        if world > 1:  # name the rank beside the traceback, so torchrun's interleaved output says who failed
            sys.stderr.write(f"lamm-bench: error: rank {rank} of {world} failed: {type(exc).__name__}: {one_line(str(exc))}\n")
        raise
