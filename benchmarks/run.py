"""Run the benchmarks: each figure beside its floor in the same run, medians, ratio, pass or miss.

    python -m benchmarks.run                      # everything, full size (what scripts/bench.sh runs)
    python -m benchmarks.run --quick              # a tenth of the data, fewer runs
    python -m benchmarks.run --figures search,save --runs 20
    python -m benchmarks.run --docs docs/benchmarks.md   # also write the results there

Exit status 0 when every target is met, 1 when one is missed (2 on a usage error).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from benchmarks.common import Context, Result, load_average, machine

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".cache" / "work"
RESULTS = ROOT / "benchmarks" / ".cache" / "results"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _figures() -> dict[str, tuple[Callable[[Context], list[Result]], tuple[str, ...]]]:
    from benchmarks.figures import client_list, pdfs, startup, store

    # name -> (function, the builds it needs); "+plain" also needs the unencrypted copy.
    return {
        "cold-start": (startup.cold_start, ("clients",)),
        "unlock": (startup.unlock_and_memory, ("clients", "practice")),  # also the memory figure
        "search": (store.search, ("practice+plain",)),
        "save": (store.save, ("practice+plain",)),
        "client-list": (client_list.filter_and_sort, ("clients",)),
        "superbill": (pdfs.superbill, ("practice",)),
        "batch": (pdfs.batch, ("practice",)),
        "letter": (pdfs.letter, ("practice",)),
    }


ALIASES = {"memory": "unlock", "start": "cold-start", "list": "client-list"}


def _fmt(value: float | None, unit: str = "ms") -> str:
    if value is None:
        return "-"
    return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def table(results: list[Result]) -> list[str]:
    head = ["| figure | floor | floor (median) | measured (median) | ratio | target | result |",
            "|---|---|---:|---:|---:|---|---|"]
    rows = []
    for r in results:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        rows.append(f"| {r.figure} | {r.floor_label} | {_fmt(r.floor, r.unit)} | {_fmt(r.measured, r.unit)} "
                    f"| {ratio} | {r.target} | {r.verdict()} |")
    return head + rows


def console_line(r: Result) -> str:
    ratio = f"{r.ratio:5.2f}x" if r.ratio is not None else "      "
    floor = f"floor {_fmt(r.floor, r.unit):>9}" if r.floor is not None else " " * 15
    return (f"{r.verdict():>4}  {_fmt(r.measured, r.unit):>9}  {floor}  {ratio}  {r.target:<28} "
            f"{r.figure}{'  [' + r.note + ']' if r.note else ''}  (n={r.runs}, load {r.load[0]:.1f}->{r.load[1]:.1f})")


def write_docs(path: Path, results: list[Result], info: dict[str, str], args: argparse.Namespace,
               builds: Mapping[str, object], loads: tuple[float, float]) -> None:
    counts = {name: getattr(b, "manifest", {}).get("counts", {}) for name, b in builds.items()}
    lines = [
        START,
        (f"Measured {datetime.now():%Y-%m-%d %H:%M} with `scripts/bench.sh{' --quick' if args.quick else ''}`"
         f" ({args.runs} runs per figure; medians)."),
        "",
        f"- **Machine:** {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}",
        f"- **Python** {info['python']}; {info['packages']}; {info['sqlite']}",
        (f"- **Load average** (1 min) {loads[0]:.2f} at the start, {loads[1]:.2f} at the end (a shared"
         " machine; benchmarks/.cache/results/*.json has each figure's own)"),
    ]
    for name, c in counts.items():
        if c:
            lines.append(f"- **{name} vault:** {c.get('clients', 0):,} clients, {c.get('sessions', 0):,} notes, "
                         f"{c.get('measures', 0):,} measures, {c.get('ledger_entries', 0):,} ledger entries, "
                         f"{c.get('treatment_plans', 0):,} plan versions, {c.get('audit_events', 0):,} audit events")
    lines += ["", *table(results), "", END]
    block = "\n".join(lines)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, fewer runs")
    parser.add_argument("--figures", default="", help="comma-separated: " + ", ".join(_figures()) +
                        " (memory = unlock)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 10, quick 5)")
    parser.add_argument("--docs", type=Path, help="write the results into this Markdown file")
    parser.add_argument("--keep-work", action="store_true", help="keep the scratch vault copies")
    args = parser.parse_args(argv)
    args.runs = args.runs or (5 if args.quick else 10)
    figures = _figures()
    chosen = [ALIASES.get(n.strip(), n.strip()) for n in args.figures.split(",") if n.strip()] or list(figures)
    unknown = [n for n in chosen if n not in figures]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from benchmarks.generate import ensure

    needs = {need for name in chosen for need in figures[name][1]}
    builds = {}
    for base in ("practice", "clients"):
        if base in needs or f"{base}+plain" in needs:
            preset = f"{base}-quick" if args.quick else base
            builds[base] = ensure(preset, plain=f"{base}+plain" in needs)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, mode=0o700)
    ctx = Context(runs=args.runs, quick=args.quick, work=WORK, log=print, builds=builds)
    info = machine()
    print(f"{info['cpu']} x{info['cores']}, {info['ram']}; Python {info['python']}; load {load_average():.2f}")
    load_start = load_average()
    results: list[Result] = []
    try:
        for name in chosen:
            gc.collect()  # what one figure left behind must not be collected during the next
            started = time.perf_counter()
            print(f"\n== {name}", flush=True)
            found = figures[name][0](ctx)
            for r in found:
                print(console_line(r), flush=True)
            results += found
            print(f"   ({time.perf_counter() - started:.0f} s)")
    finally:
        if not args.keep_work:
            shutil.rmtree(WORK, ignore_errors=True)
    loads = (load_start, load_average())
    print("\n" + "\n".join(table(results)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(
        {"machine": info, "quick": args.quick, "runs": args.runs, "load": loads,
         "results": [{**r.__dict__, "ratio": r.ratio, "verdict": r.verdict()} for r in results]}, indent=1))
    if args.docs:
        write_docs(args.docs, results, info, args, builds, loads)
        print(f"\nwritten to {args.docs}")
    missed = [r for r in results if r.ok is False]
    print(f"\n{len(missed)} target(s) missed" if missed else "\nevery target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
