"""torture_stats: follow-up to the UN Convention against Torture, as cited tables.

The public API::

    read_document(path) -> Document
    extract_figures(doc) -> DataFrame      # the figures table
    extract_grades(doc) -> DataFrame       # the grades table
    build(root=None) -> BuildReport        # data/raw -> data/processed, reports/figures
    load(table, root=None) -> DataFrame    # a processed table, typed

Importing the package loads neither matplotlib nor statsmodels.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from torture_stats.errors import DocumentError, ManifestError, SchemaError, TortureStatsError, VocabularyError

try:
    __version__ = version("torture_stats")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "Document",
    "DocumentError",
    "DocumentSet",
    "ManifestError",
    "SchemaError",
    "TortureStatsError",
    "VocabularyError",
    "__version__",
    "build",
    "extract_figures",
    "extract_grades",
    "extract_residuals",
    "load",
    "read_document",
    "read_documents",
]


def __getattr__(name: str):
    if name in ("read_document", "read_documents", "Document", "DocumentSet"):
        from torture_stats import documents

        return getattr(documents, name)
    if name in ("extract_figures", "extract_grades", "extract_residuals"):
        from torture_stats import extract

        return getattr(extract, name)
    if name == "build":
        from torture_stats.build import build

        return build
    if name == "load":
        from torture_stats.tables import load

        return load
    raise AttributeError(f"module 'torture_stats' has no attribute {name!r}")
