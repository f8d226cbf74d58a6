"""Corpus letters as PDF, scanned PDF and Word files give the same document row and grades as their text."""

from __future__ import annotations

import os
import shutil

import pytest
from corpus_eval import CORPUS, DOCUMENT_FIELDS, expected
from document_writers import write_docx, write_scanned_pdf, write_text_pdf

from torture_stats import read_document
from torture_stats.extract import extract_grades

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None and not os.environ.get("CI"),
    reason="OCR needs Tesseract: apt-get install tesseract-ocr (CI installs it and never skips)",
)

FORMATS = [
    ("letters/gbr_6_2021.txt", write_text_pdf, ".pdf"),
    ("letters/per_7_2024.txt", write_text_pdf, ".pdf"),
    ("letters/mng_2_2023.txt", write_docx, ".docx"),
    pytest.param("letters/arm_5_2020.txt", write_scanned_pdf, ".pdf", marks=needs_tesseract, id="scanned"),
]


def _text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize(("letter", "writer", "suffix"), FORMATS)
def test_other_formats_read_like_the_text(tmp_path, letter, writer, suffix):
    path = writer(tmp_path / f"letter{suffix}", (CORPUS / letter).read_text(encoding="utf-8"))
    doc = read_document(path)
    want = expected("documents").set_index("file").loc[letter]
    assert {f: _text(doc.meta.get(f)) for f in DOCUMENT_FIELDS} == {f: want[f] for f in DOCUMENT_FIELDS}
    grades = extract_grades(doc)
    want_grades = expected("grades").query("file == @letter")
    assert grades["paragraph"].tolist() == want_grades["paragraph"].tolist()
    assert grades["grade"].tolist() == want_grades["grade"].tolist()
