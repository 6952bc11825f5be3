"""The GPU check's Markdown report: one table per kind of row, the ratios that matter, and each section's notes."""

from __future__ import annotations

TITLES = {
    "lamm_generation": "LAMM adapter generation beside Hugging Face generate (greedy, random weights)",
    "lamm_ratio": "LAMM decoder (static cache) vs Hugging Face generate and vs its dynamic cache (tokens/s ratios)",
    "lamm_agreement": "Greedy texts: LAMM decoder vs Hugging Face generate, and its static vs dynamic KV cache",
    "hf_generation": "hf adapter on a LLaVA-1.5-7B-shaped random model",
    "choice": "ChEF choice scoring on LAMM's model: naive (a sequence per option) vs shared prefix",
    "train": "Trainer (lamm-bench train): steady-state throughput, MFU, peak memory",
    "dist": "One-GPU sharded smoke runs (save checkpoint + delta, reload through the adapter)",
    "pytest": "pytest -m gpu",
}
HIDDEN = {"table"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict]) -> list[str]:
    """A Markdown table over the union of the rows' keys (in first-seen order)."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns and k not in HIDDEN]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def lamm_ratios(rows: list[dict]) -> list[dict]:
    """Per dtype and batch: the LAMM decoder's and adapter's tokens/s over plain HF ``generate``'s."""
    speed = {(r["dtype"], r["batch"], r["way"]): r["tokens_per_s"] for r in rows if r.get("table") == "lamm_generation"}
    out = []
    for (dtype, batch, way), value in speed.items():
        if not way.startswith("HF generate,"):
            continue
        decoder = speed.get((dtype, batch, "lamm decoder, static cache (visual tokens -> text)"))
        dynamic = speed.get((dtype, batch, "lamm decoder, dynamic cache (visual tokens -> text)"))
        adapter = speed.get((dtype, batch, "lamm adapter (images -> text)"))
        stop = speed.get((dtype, batch, "HF generate + stop_strings ###"))
        out.append({"table": "lamm_ratio", "dtype": dtype, "batch": batch,
                    "decoder / HF": round(decoder / value, 3) if decoder else None,
                    "decoder / HF+stop": round(decoder / stop, 3) if decoder and stop else None,
                    "adapter / HF": round(adapter / value, 3) if adapter else None,
                    "static / dynamic cache": round(decoder / dynamic, 3) if decoder and dynamic else None})  # fmt: skip
    return out


def render(report: dict) -> str:
    """The whole report as Markdown."""
    kind = "dry run (tiny shapes, CPU)" if report.get("dry_run") else "GPU run (real shapes, random weights)"
    lines = [f"# GPU check: {kind}", "", f"Started {report.get('started')}, budget {report.get('budget_s')} s.", ""]
    env = report.get("sections", {}).get("env", {}).get("env")
    if env:
        lines += ["Environment: " + ", ".join(f"{k} {v}" for k, v in env.items() if v is not None), ""]
    lines += ["| section | status | seconds |", "|---|---|---|"]
    for name, section in report.get("sections", {}).items():
        lines.append(f"| {name} | {_cell(section.get('status'))} | {_cell(section.get('seconds'))} |")
    rows = [r for s in report.get("sections", {}).values() for r in s.get("rows", [])]
    rows += lamm_ratios(rows)
    for name, title in TITLES.items():
        mine = [r for r in rows if r.get("table") == name]
        if mine:
            lines += ["", f"## {title}", "", *table(mine)]
    for name, section in report.get("sections", {}).items():
        extra = {k: v for k, v in section.items() if k.startswith("flops_") or k == "pytest"}
        notes = section.get("notes", [])
        if notes or extra:
            lines += ["", f"### {name}: notes", ""]
            lines += [f"- {_cell(n)}" for n in notes]
            lines += [f"- {k}: `{v}`" for k, v in extra.items()]
    return "\n".join(lines)
