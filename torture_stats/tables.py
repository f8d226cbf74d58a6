"""Loading the processed tables, typed as the schema declares them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from torture_stats import schema
from torture_stats.errors import TortureStatsError
from torture_stats.paths import project_paths


def load(table: str, root: str | Path | None = None) -> pd.DataFrame:
    """Read a processed table (``documents``, ``figures``, ``grades``, ``residuals``, ``attrition``).

    Parameters
    ----------
    table : str
        Table name, as in ``data/processed/datapackage.json``.
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.

    Returns
    -------
    DataFrame
        With the declared column order and nullable dtypes.
    """
    spec = schema.get_table(table)
    path = project_paths(root).processed / f"{spec.name}.parquet"
    if not path.exists():
        raise TortureStatsError(f"{path}: not built yet; run `torture-stats build` (or `make build`) first")
    return schema.conform(pd.read_parquet(path), spec)
