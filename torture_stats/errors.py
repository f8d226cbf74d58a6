"""The library's exceptions: catch :class:`TortureStatsError` to catch them all."""

from __future__ import annotations


class TortureStatsError(Exception):
    """Base class of every error torture_stats raises on purpose."""


class DocumentError(TortureStatsError):
    """A document cannot be read or understood; the message names the file."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ManifestError(TortureStatsError):
    """A raw file and the manifest ``data/raw/sources.csv`` disagree."""


class SchemaError(TortureStatsError):
    """A table does not follow its declaration in :mod:`torture_stats.schema`."""


class VocabularyError(TortureStatsError):
    """A name is not in one of the controlled vocabularies."""


class BuildLockedError(TortureStatsError):
    """Another build holds the project's build lock, ``data/.build.lock``."""


class DocumentTimeoutError(DocumentError):
    """A document took longer to read and extract than the limit (see ``readers.time_limit``)."""
