"""Where the data, processed tables and figures live.

Every path derives from one project root: the ``root`` argument where a
function takes one, else the ``TORTURE_STATS_ROOT`` environment variable, else
the nearest folder at or above the current directory that holds
``data/raw/sources.csv`` (so that a notebook in ``notebooks/`` finds the
project), else the current directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectPaths:
    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw / "sources.csv"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def figures(self) -> Path:
        return self.root / "reports" / "figures"


def project_paths(root: str | Path | None = None) -> ProjectPaths:
    """The project's paths under *root* (see the module docstring for the default)."""
    if root is None:
        root = os.environ.get("TORTURE_STATS_ROOT") or _find_root(Path.cwd())
    return ProjectPaths(Path(root).resolve())


def _find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "data" / "raw" / "sources.csv").is_file():
            return folder
    return start
