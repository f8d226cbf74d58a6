"""The manifest of raw files, ``data/raw/sources.csv``: origin and checksum of each.

The build reads no raw file that the manifest does not list, and no file
whose bytes differ from the checksum recorded for it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from torture_stats.errors import ManifestError

MANIFEST_COLUMNS = (
    "path",
    "sha256",
    "kind",
    "treaty",
    "state",
    "producer",
    "title",
    "date_published",
    "date_accessed",
    "url",
    "licence_note",
)
#: files in data/raw that document the data rather than being data
UNLISTED_ALLOWED = ("sources.csv", "README.md")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(raw_dir: Path) -> pd.DataFrame:
    """The manifest as a frame of strings, sorted by path."""
    path = raw_dir / "sources.csv"
    if not path.exists():
        raise ManifestError(f"{path}: manifest missing")
    # plain object columns: the build walks the manifest row by row, and element access to a string
    # array (Arrow or Python) costs 3-7 times as much
    frame = pd.read_csv(path, dtype=object, keep_default_na=False)
    missing = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing:
        raise ManifestError(f"{path}: columns missing: {', '.join(missing)}")
    if frame["path"].duplicated().any():
        dup = ", ".join(frame.loc[frame["path"].duplicated(), "path"])
        raise ManifestError(f"{path}: paths listed twice: {dup}")
    return frame.sort_values("path", kind="stable").reset_index(drop=True)


def verify_raw(raw_dir: Path, *, refused: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Check every raw file against the manifest; return the manifest.

    Parameters
    ----------
    raw_dir : Path
        The ``data/raw`` folder.
    refused : list, optional
        When given, a row whose path points outside ``data/raw`` (``..``, an
        absolute path, or a link out) is not an error: ``(path, reason)`` is
        appended here and the row is left out of the manifest returned. The
        file is never opened.

    Returns
    -------
    DataFrame
        The manifest, sorted by path.

    Raises
    ------
    ManifestError
        A listed file is missing or (without *refused*) outside ``data/raw``,
        its checksum differs, or a file in ``data/raw`` has no row. The
        message names the file.
    """
    manifest = read_manifest(raw_dir)
    # plain strings, not Path objects: on 10^5 files the Path machinery costs more than the hashing
    root = os.path.join(os.path.realpath(raw_dir), "")
    raw = os.fspath(raw_dir)
    resolve = _Resolver()
    listed = set()
    outside = []
    for index, row in zip(manifest.index, manifest.itertuples(index=False), strict=True):
        target = resolve(os.path.join(raw, row.path))
        if not target.startswith(root):
            if refused is None:
                raise ManifestError(f"{row.path}: manifest path points outside data/raw")
            refused.append((row.path, "manifest path points outside data/raw; not read"))
            outside.append(index)
            continue
        if not os.path.isfile(target):
            raise ManifestError(f"data/raw/{row.path}: listed in sources.csv but missing")
        actual = sha256_of(target)
        if actual != row.sha256:
            raise ManifestError(
                f"data/raw/{row.path}: checksum {actual[:12]}… differs from sources.csv ({row.sha256[:12]}…); "
                "raw files are never edited: add a new file with its own row instead"
            )
        listed.add(target)
    for folder, _, names in sorted(os.walk(raw)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or name in UNLISTED_ALLOWED or name.endswith(".md"):
                continue
            if resolve(path) not in listed:
                relative = Path(os.path.relpath(path, raw)).as_posix()
                raise ManifestError(f"data/raw/{relative}: no row in data/raw/sources.csv")
    return manifest.drop(index=outside).reset_index(drop=True)


class _Resolver:
    """``os.path.realpath`` for many files in few folders: each folder is resolved once.

    A file that is itself a link, or a path with ``..`` in it, is resolved
    in full, so a link or a climb out of ``data/raw`` is still seen.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if ".." in path.split(os.sep) or os.path.islink(path):
            return os.path.realpath(path)
        folder, name = os.path.split(path)
        if folder not in self._folders:
            self._folders[folder] = os.path.realpath(folder)
        return os.path.join(self._folders[folder], name)


def update_checksums(raw_dir: Path) -> list[str]:
    """Record the current sha256 of every listed file whose bytes changed.

    For a curator who has deliberately revised a curated table: rows keep
    their origin columns; files without a row are still refused.

    Returns
    -------
    list of str
        The paths whose checksum was updated.
    """
    manifest = read_manifest(raw_dir)
    changed = []
    for index, row in manifest.iterrows():
        target = raw_dir / row["path"]
        if not target.is_file():
            raise ManifestError(f"data/raw/{row['path']}: listed in sources.csv but missing")
        actual = sha256_of(target)
        if actual != row["sha256"]:
            manifest.loc[index, "sha256"] = actual
            changed.append(row["path"])
    if changed:
        manifest.to_csv(raw_dir / "sources.csv", index=False, lineterminator="\n")
    verify_raw(raw_dir)
    return changed
