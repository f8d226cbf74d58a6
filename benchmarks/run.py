"""Benchmarks: extraction throughput and accuracy, full and incremental builds, import time.

Run from the repository root::

    .venv/bin/python -m benchmarks.run --quick     # a few minutes: 200 letters, builds of 1,000
    .venv/bin/python -m benchmarks.run             # builds of 1,000 and 10,000 letters
    .venv/bin/python -m benchmarks.run --full      # and 100,000 letters (about 2 GB of text)

It prints one table (Markdown) and writes it, with the raw numbers as JSON,
to ``benchmarks/results/`` (git-ignored). The comparison with quantulum3
needs the ``bench`` extra: ``pip install -e '.[bench]'``.

Throughput is CPU time of one process (one core), so that other work on the
machine slows the numbers less; wall times are given beside them. Builds run
in a fresh process each, so peak memory (``ru_maxrss``) is the build's own:
"main" is the process that gathers and writes the tables, "worker" the
largest worker process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
#: rebuilds after one changed file, each of another file: the table gives their median and range
INCREMENTAL_REPEATS = 3

# quantulum3 names no measure of ours: the baseline takes the measure from the first word after the
# number (stem → measure), the way a simple reader would; its paragraph comes from our own sections
_NOUN_MEASURE = {
    "complaint": "complaints_received", "allegation": "complaints_received",
    "investigation": "investigations_opened", "proceeding": "investigations_opened",
    "case": "investigations_opened", "inquir": "preliminary_checks", "check": "preliminary_checks",
    "indictment": "cases_sent_to_court", "verdict": "verdicts", "conviction": "convictions",
    "acquittal": "acquittals", "death": "deaths_in_custody", "suicide": "suicides_in_custody",
    "prisoner": "prison_population", "detainee": "prison_population", "inmate": "prison_population",
    "doctor": "doctors", "physician": "doctors", "nurse": "nurses", "psychiatrist": "psychiatrists",
    "psychologist": "psychologists", "visit": "monitoring_visits", "inspection": "monitoring_visits",
    "victim": "victims_compensated", "servicem": "military_deaths", "official": "convictions",
    "officer": "disciplinary_sanctions", "defendant": "persons_prosecuted",
}  # fmt: skip


# --- extraction ----------------------------------------------------------------------------------


def _texts(n: int) -> list[bytes]:
    from benchmarks.synth import letters

    return [letter.text.encode("utf-8") for letter in letters(n, seed=7)]


def _timed(work, items) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``work(item)`` over *items*."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        work(item)
    return time.process_time() - cpu, time.perf_counter() - wall


def _torture_stats_work(data: bytes, lap=None) -> int:
    """What the build does with one document's bytes; *lap(stage)*, if given, is called as each stage ends."""
    from torture_stats.documents import document_from_text
    from torture_stats.extract import extract_records, grade_records
    from torture_stats.readers import decode_text

    doc = document_from_text(decode_text(data), sha256=hashlib.sha256(data).hexdigest(), source="benchmark.txt")
    if lap:
        lap("read")
    figures, _ = extract_records(doc)
    if lap:
        lap("figures")
    grade_records(doc)
    if lap:
        lap("grades")
    return len(figures)


_DIGITS = re.compile(r"\d+")


def _digit_scan(data: bytes) -> int:
    return sum(1 for _ in _DIGITS.finditer(data.decode("utf-8")))


def _quantulum_work(data: bytes) -> int:
    from quantulum3 import parser

    return len(parser.parse(data.decode("utf-8")))


def extraction_throughput(n: int, n_quantulum: int) -> list[dict]:
    """Throughput of torture_stats, quantulum3 and a digit scan on the same synthetic letters."""
    texts = _texts(n)
    rows = []
    for name, work, items in (
        ("torture_stats (read, clean, figures, grades)", _torture_stats_work, texts),
        ("digit-run regex scan (upper bound)", _digit_scan, texts),
        ("quantulum3 parse", _quantulum_work, texts[:n_quantulum]),
    ):
        if name.startswith("quantulum3") and not _has_quantulum():
            rows.append({"tool": name, "documents": 0, "note": "not installed: pip install -e '.[bench]'"})
            continue
        work(items[0])  # warm: compiled patterns, loaded vocabularies, quantulum3's unit tables
        cpu, wall = _timed(work, items)
        size = sum(len(t) for t in items)
        rows.append(
            {
                "tool": name,
                "documents": len(items),
                "mb": size / 1e6,
                "mb_per_s": size / 1e6 / cpu,
                "docs_per_s": len(items) / cpu,
                "mb_per_s_wall": size / 1e6 / wall,
            }
        )
    return rows


def extraction_stages(n: int) -> list[dict]:
    """CPU time per letter of each stage of torture_stats's extraction, beside the digit scan.

    The stages are the public steps the build takes for each document; the
    split shows what each costs on its own against the upper bound.
    """
    texts = _texts(n)
    _torture_stats_work(texts[0])
    spent = dict.fromkeys(("read", "figures", "grades", "scan"), 0.0)
    last = 0.0

    def lap(stage: str) -> None:
        nonlocal last
        now = time.process_time()
        spent[stage] += now - last
        last = now

    for data in texts:
        last = time.process_time()
        _torture_stats_work(data, lap)
        _digit_scan(data)
        lap("scan")
    names = {
        "read": "read: decode, checksum, repair OCR, fold white space, sections, metadata",
        "figures": "figures and residuals (`extract_records`)",
        "grades": "grades (`grade_records`)",
        "scan": "digit-run regex scan (upper bound)",
    }
    return [
        {"stage": names[stage], "ms_per_letter": 1000 * seconds / n, "times_scan": seconds / spent["scan"]}
        for stage, seconds in spent.items()
    ]


def _has_quantulum() -> bool:
    try:
        import quantulum3  # noqa: F401
    except ImportError:
        return False
    return True


# --- accuracy on the test corpus -------------------------------------------------------------


def corpus_accuracy() -> list[dict]:
    """Precision, recall and F1 of (file, paragraph, measure, value) on tests/corpus."""
    sys.path.insert(0, str(REPO / "tests"))
    import corpus_eval

    run = corpus_eval.extract_corpus()
    ours = corpus_eval.figure_scores(run)
    rows = [
        {"tool": "torture_stats", "key": "paragraph, measure, value"}
        | {k: ours[k] for k in ("expected", "extracted", "matched", "precision", "recall", "f1")},
        {"tool": "torture_stats", "key": "paragraph, value"} | _scores(run.figures, with_measure=False),
    ]
    if _has_quantulum():
        found = _quantulum_figures(corpus_eval)
        rows.append({"tool": "quantulum3 + noun → measure", "key": "paragraph, measure, value"} | _scores(found, True))
        rows.append({"tool": "quantulum3", "key": "paragraph, value"} | _scores(found, with_measure=False))
    return rows


def _quantulum_figures(corpus_eval):
    import pandas as pd
    from quantulum3 import parser

    from torture_stats.documents import read_document
    from torture_stats.extract import _paragraph_of

    rows = []
    for file in corpus_eval.expected("documents")["file"]:
        doc = read_document(corpus_eval.CORPUS / file)
        text = doc.clean.text
        for quantity in parser.parse(text):
            start, end = quantity.span
            measure = None
            for word in re.findall(r"[A-Za-z]+", text[end : end + 40].lower())[:3]:
                measure = next((m for stem, m in _NOUN_MEASURE.items() if word.startswith(stem)), None)
                if measure:
                    break
            paragraph = _paragraph_of(doc, doc.section_at(start), start)
            rows.append({"file": file, "paragraph": paragraph, "measure": measure, "value": float(quantity.value)})
    return pd.DataFrame(rows)


def _scores(found, with_measure: bool) -> dict:
    import corpus_eval

    key = ["file", "paragraph", "measure", "value"] if with_measure else ["file", "paragraph", "value"]
    exp = corpus_eval.expected("figures")
    exp["value"] = exp["value"].map(lambda v: corpus_eval._text(float(v)))
    got = found.copy()
    got["value"] = got["value"].map(lambda v: corpus_eval._text(float(v)))
    got["paragraph"] = got["paragraph"].map(corpus_eval._text)
    got["measure"] = got["measure"].map(corpus_eval._text)
    e = Counter(map(tuple, exp[key].astype(str).to_numpy()))
    g = Counter(map(tuple, got[key].astype(str).to_numpy()))
    return corpus_eval.match_counts(e, g)


# --- builds --------------------------------------------------------------------------------------


def _build_in_subprocess(root: Path, jobs: int) -> dict:
    code = (
        "import json, logging, resource, sys, time\n"
        "logging.disable(logging.WARNING)\n"
        "from torture_stats.build import build\n"
        "t = time.perf_counter()\n"
        f"r = build({str(root)!r}, figures=False, jobs={jobs})\n"
        "wall = time.perf_counter() - t\n"
        "main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'wall_s': wall, 'main_peak_mb': main, 'worker_peak_mb': worker, "
        "'documents': r.documents, 'figures': r.rows['figures'], 'grades': r.rows['grades'], "
        "'skipped': len(r.skipped), 'extracted': r.extracted, 'cached': r.cached}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=os.environ | {"CI": "1"}
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def build_benchmarks(sizes: list[int], jobs: int, workdir: Path, incremental_at: int | None) -> list[dict]:
    """Full builds of synthetic corpora, and an incremental rebuild after one changed file."""
    from benchmarks.synth import write_corpus
    from torture_stats.manifest import update_checksums

    rows = []
    for n in sizes:
        root = workdir / f"corpus-{n}"
        if root.exists():
            shutil.rmtree(root)
        started = time.perf_counter()
        write_corpus(root, n)
        megabytes = sum(p.stat().st_size for p in (root / "data" / "raw" / "documents").rglob("*.txt")) / 1e6
        print(f"  wrote {n} letters ({megabytes:.0f} MB) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        full = _build_in_subprocess(root, jobs)
        rows.append({"build": f"full, {n:,} letters", "letters": n, "mb": megabytes, "jobs": jobs} | full)
        print(f"  {rows[-1]}", file=sys.stderr)
        if n == incremental_at:
            letters = sorted((root / "data" / "raw" / "documents").rglob("*.txt"))
            rebuilds = []
            for quarter in range(1, INCREMENTAL_REPEATS + 1):  # one rebuild a time is at the mercy of the machine
                changed = letters[n * quarter // (INCREMENTAL_REPEATS + 1)]
                changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more remark.\n", encoding="utf-8")
                update_checksums(root / "data" / "raw")
                rebuilds.append(_build_in_subprocess(root, jobs))
            walls = sorted(r["wall_s"] for r in rebuilds)
            again = rebuilds[-1] | {"wall_s": statistics.median(walls), "walls_s": walls}
            again["share_of_full_pct"] = 100 * again["wall_s"] / full["wall_s"]
            name = f"incremental, 1 of {n:,} changed (median of {len(walls)})"
            rows.append({"build": name, "letters": n, "mb": megabytes, "jobs": jobs} | again)
            print(f"  {rows[-1]}", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)
    return rows


# --- import time -------------------------------------------------------------------------------


def import_times(repeat: int = 5) -> list[dict]:
    """Best of *repeat* fresh interpreters: pandas alone, and torture_stats after pandas."""

    def best(code: str) -> float:
        times = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
            times.append(float(out.stdout))
        return min(times)

    pandas = best("import time; t = time.perf_counter(); import pandas; print(time.perf_counter() - t)")
    both = best("import time; t = time.perf_counter(); import pandas, torture_stats; print(time.perf_counter() - t)")
    alone = best("import time; t = time.perf_counter(); import torture_stats; print(time.perf_counter() - t)")
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, torture_stats; print(sorted(m for m in "
         "('matplotlib', 'seaborn', 'statsmodels', 'pandas') if m in sys.modules))"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.strip()  # fmt: skip
    return [
        {"import": "pandas", "seconds": pandas},
        {"import": "torture_stats (alone)", "seconds": alone, "loads": heavy},
        {"import": "pandas + torture_stats", "seconds": both, "adds_s": both - pandas},
    ]


# --- the report ----------------------------------------------------------------------------------


def _markdown(results: dict) -> str:
    lines = [
        f"# torture_stats benchmarks ({results['when']})",
        "",
        f"Machine: {results['machine']}; `nproc` = {results['cores']}. Throughput is per core (CPU time).",
        "",
        "## Extraction throughput (synthetic letters, one core)",
        "",
        "| tool | documents | MB | MB/s | documents/s | MB/s (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["extraction"]:
        if not r.get("documents"):
            lines.append(f"| {r['tool']} | – | – | – | – | {r.get('note', '')} |")
            continue
        lines.append(
            f"| {r['tool']} | {r['documents']} | {r['mb']:.2f} | {r['mb_per_s']:.2f} | {r['docs_per_s']:.1f} | "
            f"{r['mb_per_s_wall']:.2f} |"
        )
    ours = results["extraction"][0]["mb_per_s"]
    scan = results["extraction"][1]["mb_per_s"]
    lines += ["", f"torture_stats reaches {100 * ours / scan:.1f}% of the digit-scan upper bound.", ""]
    lines += [
        "### Where the time goes (CPU time per letter, the same letters)",
        "",
        "| stage | ms per letter | × digit scan |",
        "|---|---:|---:|",
    ]
    for r in results["stages"]:
        lines.append(f"| {r['stage']} | {r['ms_per_letter']:.3f} | {r['times_scan']:.2f} |")
    lines.append("")
    lines += [
        "## Accuracy on tests/corpus (21 documents, 155 expected figures)",
        "",
        "| tool | key | extracted | matched | precision | recall | F1 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["accuracy"]:
        lines.append(
            f"| {r['tool']} | {r['key']} | {r['extracted']} | {r['matched']} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['f1']:.3f} |"
        )
    lines += [
        "",
        f"## Builds (`build(root, figures=False, jobs={results['jobs']})`, fresh process each)",
        "",
        "| build | MB of text | wall s | main peak MB | worker peak MB | documents | figures | grades | skipped |"
        " extracted | cached |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["builds"]:
        wall = f"{r['wall_s']:.1f}"
        if "walls_s" in r:
            wall = (
                f"{r['wall_s']:.2f} ({r['share_of_full_pct']:.1f}% of full; "
                f"range {r['walls_s'][0]:.2f}–{r['walls_s'][-1]:.2f})"
            )
        lines.append(
            f"| {r['build']} | {r['mb']:.0f} | {wall} | {r['main_peak_mb']:.0f} | "
            f"{r['worker_peak_mb']:.0f} | {r['documents']} | {r['figures']} | {r['grades']} | {r['skipped']} | "
            f"{r['extracted']} | {r['cached']} |"
        )
    lines += ["", "## Import time (best of 5 fresh interpreters)", "", "| import | seconds | note |", "|---|---:|---|"]
    for r in results["imports"]:
        note = f"adds {r['adds_s']:.3f} s to pandas" if "adds_s" in r else ""
        note = note or (f"loads {r['loads']}" if "loads" in r else "")
        lines.append(f"| {r['import']} | {r['seconds']:.3f} | {note} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="torture_stats benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--full", action="store_true", help="also build 100,000 letters")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="build processes (default: all cores)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="build sizes, e.g. 1000,10000")
    parser.add_argument("--workdir", default=None, help="where to write the corpora (default: a temporary folder)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    sizes = args.sizes or ([1000] if args.quick else [1000, 10_000] + ([100_000] if args.full else []))
    n_letters, n_quantulum = (200, 20) if args.quick else (1000, 60)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="torture-stats-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "cores": os.cpu_count(),
        "jobs": args.jobs,
    }
    print("extraction throughput …", file=sys.stderr)
    results["extraction"] = extraction_throughput(n_letters, n_quantulum)
    results["stages"] = extraction_stages(n_letters)
    print("accuracy on tests/corpus …", file=sys.stderr)
    results["accuracy"] = corpus_accuracy()
    print(f"builds of {sizes} letters …", file=sys.stderr)
    incremental_at = 10_000 if 10_000 in sizes else sizes[0]
    results["builds"] = build_benchmarks(sizes, args.jobs, workdir, incremental_at=incremental_at)
    print("import times …", file=sys.stderr)
    results["imports"] = import_times()
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    report = _markdown(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.md").write_text(report, encoding="utf-8")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
