"""Shared fixtures: the repository, its seed letter, and throwaway project copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from torture_stats.documents import Document, document_from_text

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "raw" / "documents" / "cat-kaz-4-followup-letter-2024-10-10.txt"
GOLD = Path(__file__).resolve().parent / "gold"


def make_document(text: str, source: str = "test-letter.txt") -> Document:
    """A Document from text written in a test."""
    return document_from_text(text, sha256="0" * 64, source=source)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's raw data in a temporary root, ready to build."""
    shutil.copytree(REPO / "data" / "raw", tmp_path / "data" / "raw")
    return tmp_path


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A temporary project root, built once for the whole session."""
    from torture_stats.build import build

    root = tmp_path_factory.mktemp("built")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    build(root)
    return root
