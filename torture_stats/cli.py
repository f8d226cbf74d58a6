"""The command line: ``torture-stats extract …``, ``build``, ``manifest`` and ``report ISO3``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

EXTRACT_TABLES = ("documents", "figures", "grades", "residuals")
EXIT_OK, EXIT_SKIPPED, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torture-stats",
        description="Turn UN treaty-body follow-up documents into cited tables.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="write one table for the given files to stdout")
    extract.add_argument("--table", choices=EXTRACT_TABLES, default="figures")
    extract.add_argument("--format", choices=("csv", "json"), default="csv")
    extract.add_argument("paths", nargs="+", metavar="PATH", help="document files or folders")

    build = commands.add_parser("build", help="rebuild data/processed and reports/figures from data/raw")
    build.add_argument("--root", default=None, help="project root (default: current directory)")
    build.add_argument("--no-figures", action="store_true", help="skip drawing reports/figures")
    build.add_argument(
        "--jobs", "-j", type=_positive_int, default=None, metavar="N", help="worker processes (default: all cores)"
    )
    build.add_argument(
        "--engine", choices=("process", "dask"), default="process", help="run the per-document work locally or on Dask"
    )
    build.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    build.add_argument("--no-cache", action="store_true", help="extract every document again, ignoring the cache")

    report = commands.add_parser("report", help="write one self-contained HTML page for a State")
    report.add_argument("iso3", metavar="ISO3", help="the State's ISO 3166-1 alpha-3 code, e.g. KAZ")
    report.add_argument("--output", default=None, help="file to write (default: reports/state/<ISO3>.html)")
    report.add_argument("--root", default=None, help="project root (default: current directory)")

    manifest = commands.add_parser("manifest", help="check data/raw against data/raw/sources.csv")
    manifest.add_argument("--root", default=None, help="project root (default: current directory)")
    manifest.add_argument(
        "--update", action="store_true", help="record new checksums of listed files that were deliberately revised"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="torture-stats: %(message)s",
        stream=sys.stderr,
    )
    from torture_stats.errors import TortureStatsError

    try:
        if args.command == "extract":
            return _extract(args.paths, args.table, args.format)
        if args.command == "manifest":
            return _manifest(args.root, update=args.update)
        if args.command == "report":
            return _report(args.iso3, args.root, args.output)
        return _build(args)
    except TortureStatsError as exc:
        print(f"torture-stats: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _extract(paths: Sequence[str], table: str, fmt: str) -> int:
    import pandas as pd

    from torture_stats import schema
    from torture_stats.build import show_progress
    from torture_stats.documents import document_files, read_document
    from torture_stats.errors import DocumentError
    from torture_stats.extract import extract_document_row, extract_grades, extract_tables
    from torture_stats.manifest import sha256_of
    from torture_stats.readers import time_limit

    frames = []
    skipped = 0
    first_with: dict[tuple[str, str], str] = {}
    files = list(document_files(paths))
    bar = None
    if show_progress(None) and len(files) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="doc", desc="extracting", mininterval=0.5, file=sys.stderr)
    for path in files:
        if bar is not None:
            bar.update(1)
        if path.is_file():
            # the same bytes under another name (and the same suffix, so the same reader) are read once
            digest = sha256_of(path)
            first = first_with.setdefault((digest, path.suffix.lower()), str(path))
            if first != str(path):
                duplicate = f"duplicate of {first} (same sha256 {digest[:12]}…); not extracted twice"
                _say(f"torture-stats: skipped {path}: {duplicate}", bar)
                skipped += 1
                continue
        try:
            with time_limit(path):
                doc = read_document(path)
                if table == "documents":
                    frames.append(extract_document_row(doc))
                elif table == "grades":
                    frames.append(extract_grades(doc))
                else:
                    figures, residuals = extract_tables(doc)
                    frames.append(figures if table == "figures" else residuals)
        except DocumentError as exc:
            _say(f"torture-stats: skipped {exc}", bar)
            skipped += 1
    if bar is not None:
        bar.close()
    frames = [f for f in frames if not f.empty]
    result = schema.conform(pd.concat(frames, ignore_index=True), table) if frames else schema.empty_frame(table)
    if fmt == "csv":
        result.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        sys.stdout.write(result.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    print(
        f"torture-stats: {len(files) - skipped} of {len(files)} file(s) read, {len(result)} {table} rows, "
        f"{skipped} skipped",
        file=sys.stderr,
    )
    return EXIT_SKIPPED if skipped else EXIT_OK


def _say(message: str, bar) -> None:
    """One line on stderr, above the progress bar when there is one."""
    if bar is None:
        print(message, file=sys.stderr)
    else:
        bar.write(message, file=sys.stderr)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number ≥ 1")
    return int(text)


def _build(args: argparse.Namespace) -> int:
    from torture_stats.build import build

    if args.scheduler and args.engine != "dask":
        print("torture-stats: --scheduler needs --engine dask", file=sys.stderr)
        return EXIT_ERROR
    report = build(
        args.root,
        figures=not args.no_figures,
        jobs=args.jobs,
        engine=args.engine,
        scheduler=args.scheduler,
        cache=not args.no_cache,
        progress=None,
    )
    # each skipped file was logged once, as it was met; data/processed/build_report.csv lists them all
    print(f"built {report.processed}: {report.summary()}; {len(report.figures)} figure files")
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def _manifest(root: str | None, *, update: bool) -> int:
    from torture_stats.manifest import update_checksums, verify_raw
    from torture_stats.paths import project_paths

    raw = project_paths(root).raw
    if update:
        for path in update_checksums(raw):
            print(f"updated checksum of data/raw/{path}")
    manifest = verify_raw(raw)
    print(f"{len(manifest)} raw files match data/raw/sources.csv")
    return EXIT_OK


def _report(iso3: str, root: str | None, output: str | None) -> int:
    from torture_stats.report import state_report

    path = state_report(iso3, root=root, output=output)
    print(f"wrote {path}")
    return EXIT_OK
