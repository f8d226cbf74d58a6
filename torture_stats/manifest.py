"""The manifest of raw files, ``data/raw/sources.csv``: origin and checksum of each.

The build reads no raw file that the manifest does not list, and no file
whose bytes differ from the checksum recorded for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Iterator
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
#: a file changed this recently is hashed again next time: a second change within one tick
#: of the file system's clock would leave its size and times as they were
RECENT_SECONDS = 2.0


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


def verify_raw(
    raw_dir: Path, *, refused: list[tuple[str, str]] | None = None, known: Path | None = None
) -> pd.DataFrame:
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
    known : Path, optional
        A file that remembers each raw file's sha256 with its size, times and
        inode (:class:`KnownChecksums`): a file whose ``os.stat`` still says the
        same is not read again. Any write sets a file's ``ctime`` to the clock's
        time, and no system call sets it back, so a changed file is still seen.

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
    raw = os.path.realpath(raw_dir)
    root = os.path.join(raw, "")
    resolve = _Resolver()
    checksums = KnownChecksums(known)
    listed = set()
    outside = []
    rows = zip(manifest["path"].tolist(), manifest["sha256"].tolist(), strict=True)
    for position, (relative, expected) in enumerate(rows):
        path = os.path.join(raw, relative)
        try:
            status = os.lstat(path)  # of the file itself unless it is a link, so one call serves both
        except OSError:
            status = None
        is_link = status is not None and stat.S_ISLNK(status.st_mode)
        target = resolve(path, exactly=is_link or _climbs(relative))
        if not target.startswith(root):
            if refused is None:
                raise ManifestError(f"{relative}: manifest path points outside data/raw")
            refused.append((relative, "manifest path points outside data/raw; not read"))
            outside.append(position)
            continue
        if is_link:
            try:
                status = os.stat(target)
            except OSError:
                status = None
        if status is None or not stat.S_ISREG(status.st_mode):
            raise ManifestError(f"data/raw/{relative}: listed in sources.csv but missing")
        actual = checksums.sha256(relative, target, status)
        if actual != expected:
            raise ManifestError(
                f"data/raw/{relative}: checksum {actual[:12]}… differs from sources.csv ({expected[:12]}…); "
                "raw files are never edited: add a new file with its own row instead"
            )
        listed.add(target)
    for entry in _files_under(raw):
        if entry.name in UNLISTED_ALLOWED or entry.name.endswith(".md"):
            continue
        if resolve(entry.path, exactly=entry.is_symlink()) not in listed:
            relative = Path(os.path.relpath(entry.path, raw)).as_posix()
            raise ManifestError(f"data/raw/{relative}: no row in data/raw/sources.csv")
    checksums.save()
    return manifest.drop(index=outside).reset_index(drop=True)


class KnownChecksums:
    """The sha256 of each raw file, remembered with what ``os.stat`` said of it.

    Stored as JSON, ``{path: [size, mtime_ns, ctime_ns, inode, sha256]}``. A
    file is read and hashed again unless all four still match. A file changed
    within ``RECENT_SECONDS`` of the check is not remembered: the clock's tick
    may be too coarse to tell two writes apart. On Windows, where ``ctime`` is
    the time a file was created, every file is hashed. A missing or damaged
    store is the same as an empty one.
    """

    def __init__(self, store: Path | None) -> None:
        self.store = None if os.name == "nt" else store
        self._known: dict[str, list] = {}
        self._seen: dict[str, list] = {}
        self._recent = time.time_ns() - int(RECENT_SECONDS * 1e9)
        if self.store is not None:
            try:
                known = json.loads(self.store.read_bytes())
            except (OSError, ValueError):
                known = {}
            self._known = known if isinstance(known, dict) else {}

    def sha256(self, name: str, path: str, status: os.stat_result) -> str:
        """The sha256 of the file *path* (listed as *name*), whose ``os.stat`` is *status*."""
        signature = [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]
        entry = self._known.get(name)
        if isinstance(entry, list) and entry[:4] == signature and isinstance(entry[-1], str):
            digest = entry[-1]
        else:
            digest = sha256_of(path)
        if self.store is not None and max(status.st_mtime_ns, status.st_ctime_ns) < self._recent:
            self._seen[name] = [*signature, digest]
        return digest

    def save(self) -> None:
        """Write what this check saw, if it differs from the store; written aside and renamed."""
        if self.store is None or self._seen == self._known:
            return
        self.store.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.store.with_name(f".{self.store.name}.{os.getpid()}")
        temporary.write_text(json.dumps(self._seen, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, self.store)


def _files_under(folder: str) -> Iterator[os.DirEntry]:
    """Every file (or link to one) under *folder*, in sorted order; links to folders are not followed."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _files_under(entry.path)
        elif entry.is_file():
            yield entry


def _climbs(relative: str) -> bool:
    """Whether a manifest path has a ``..`` part (either slash counts: a false alarm costs one ``realpath``)."""
    return ".." in relative.replace("\\", "/").split("/")


class _Resolver:
    """``os.path.realpath`` for many files in few folders: each folder is resolved once.

    A file that is itself a link, or a path that climbs with ``..``, is
    resolved in full (*exactly*), so a link or a climb out of ``data/raw``
    is still seen.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str, exactly: bool) -> str:
        if exactly:
            return os.path.realpath(path)
        folder, name = os.path.split(path)
        prefix = self._folders.get(folder)
        if prefix is None:
            prefix = self._folders[folder] = os.path.join(os.path.realpath(folder), "")
        return prefix + name


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
