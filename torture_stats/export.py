"""Figure files for reports, byte-identical from one build to the next."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from torture_stats.errors import TortureStatsError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("pdf", "svg", "png")
#: metadata that would otherwise carry the time of writing or a random id
_FIXED_METADATA = {
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": "torture_stats", "Creator": "torture_stats"},
    "svg": {"Date": None, "Creator": "torture_stats"},
    "png": {"Software": "torture_stats"},
}


def figure(
    fig: Figure,
    name: str,
    formats: Sequence[str] = FORMATS,
    *,
    directory: str | Path | None = None,
    tables: Iterable[str] = (),
    documents: Iterable[str] = (),
    dpi: int = 300,
) -> list[Path]:
    """Write *fig* as ``<name>.<format>`` for each format, plus ``<name>.json``.

    Parameters
    ----------
    fig : matplotlib Figure
    name : str
        File stem, e.g. ``"attrition_chains"``.
    formats : sequence of {"pdf", "svg", "png"}
    directory : path, optional
        Defaults to ``reports/figures`` under the project root.
    tables : iterable of str
        Processed tables the chart was drawn from (recorded in the sidecar).
    documents : iterable of str
        ``doc_id`` of every document behind the chart (recorded in the sidecar).
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written, the sidecar last.

    Notes
    -----
    Dates and random ids are removed from the metadata, so that the same
    figure gives the same bytes every time.
    """
    import matplotlib

    from torture_stats import __version__
    from torture_stats.paths import project_paths

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise TortureStatsError(f"formats={list(formats)!r}: {unknown} not allowed; use {list(FORMATS)}")
    out_dir = Path(directory) if directory is not None else project_paths().figures
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "torture_stats", "svg.fonttype": "path", "pdf.fonttype": 42}):
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_FIXED_METADATA[fmt])
            written.append(path)
    sidecar = out_dir / f"{name}.json"
    info = {
        "name": name,
        "files": [p.name for p in written],
        "tables": sorted(set(tables)),
        "documents": sorted(set(documents)),
        "torture_stats_version": __version__,
        "matplotlib_version": matplotlib.__version__,
    }
    sidecar.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(sidecar)
    return written
