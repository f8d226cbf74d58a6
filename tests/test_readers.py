"""Readers for PDF (text layer and scanned, through OCR) and Word .docx, and the files they refuse.

Every input is made here: PDFs with matplotlib, pypdf and Pillow, Word files
with python-docx (its footnotes part written by hand, as python-docx has no API
for footnotes). The follow-up letter in the scanned PDF was written for this test.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from torture_stats import read_document, readers
from torture_stats.errors import DocumentError
from torture_stats.extract import extract_grades

PAGE_1 = "Committee against Torture\nThe first page names the State and its report."
PAGE_2 = "On the second page, 42 investigations were opened."

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None and not os.environ.get("CI"),
    reason="OCR needs Tesseract: apt-get install tesseract-ocr (CI installs it and never skips)",
)


def write_text_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with a real text layer, one page per string."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    # TrueType fonts carry a character map, so the text can be read back
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        for page in pages:
            fig = plt.figure(figsize=(8.27, 11.69))
            fig.text(0.1, 0.9, page, va="top", fontsize=12)
            pdf.savefig(fig)
            plt.close(fig)
    return path


@pytest.fixture
def text_pdf(tmp_path: Path) -> Path:
    return write_text_pdf(tmp_path / "two-pages.pdf", [PAGE_1, PAGE_2])


# --- PDF with a text layer ------------------------------------------------------------


def test_pdf_pages_are_joined_with_form_feeds(text_pdf):
    raw = readers.read_raw(text_pdf)
    assert raw.text.split("\f") == [PAGE_1, PAGE_2]
    assert raw.page_starts == (len(PAGE_1) + 1,)
    assert raw.text[raw.page_starts[0] :].startswith("On the second page")


def test_pdf_page_at_gives_the_page_of_an_offset(text_pdf):
    doc = read_document(text_pdf)
    assert doc.page_at(doc.text.index("42 investigations")) == 2
    assert doc.page_at(doc.text.index("first page")) == 1


def test_importing_the_package_loads_no_reader_library():
    import subprocess
    import sys

    libraries = "('pypdf', 'pypdfium2', 'docx', 'PIL')"
    code = f"import sys, torture_stats; print(sorted(m for m in {libraries} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- Word .docx -------------------------------------------------------------------------

FOOTNOTE = "Information received from the State party on 3 May 2024."

FOOTNOTES_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="7"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {FOOTNOTE}</w:t></w:r></w:p>
</w:footnote>
</w:footnotes>"""
FOOTNOTES_REL = (
    '<Relationship Id="rIdNotes" Target="footnotes.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/>'
)
FOOTNOTES_TYPE = (
    '<Override PartName="/word/footnotes.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
)


def write_docx(path: Path) -> Path:
    """A letter with headings, Word-numbered paragraphs, a table, a page break and a footnote."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("Committee against Torture")
    document.add_paragraph("Investigations (para. 12 of the concluding observations)")
    document.add_paragraph("The State party reports new complaints.", style="List Number")
    noted = document.add_paragraph("The Committee notes the figures.", style="List Number")
    reference = OxmlElement("w:r")
    mark = OxmlElement("w:footnoteReference")
    mark.set(qn("w:id"), "7")
    reference.append(mark)
    noted._p.append(reference)
    # numbered by a direct numPr naming the same list as the style: the count goes on
    direct = document.add_paragraph("It asks for more.")
    num_pr = OxmlElement("w:numPr")
    for name, value in (("w:ilvl", "0"), ("w:numId", "5")):
        element = OxmlElement(name)
        element.set(qn("w:val"), value)
        num_pr.append(element)
    direct._p.get_or_add_pPr().append(num_pr)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Complaints"
    table.cell(0, 1).text = "310"
    document.add_page_break()
    document.add_paragraph("Second page of the letter.")
    plain = io.BytesIO()
    document.save(plain)

    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", FOOTNOTES_REL.encode() + b"</Relationships>")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", FOOTNOTES_TYPE.encode() + b"</Types>")
            target.writestr(item, data)
        target.writestr("word/footnotes.xml", FOOTNOTES_XML)
    return path


def test_docx_paragraphs_numbers_table_and_footnotes(tmp_path):
    raw = readers.read_raw(write_docx(tmp_path / "letter.docx"))
    lines = raw.text.split("\n")
    assert lines[:5] == [
        "Committee against Torture",
        "Investigations (para. 12 of the concluding observations)",
        "1.\tThe State party reports new complaints.",
        "2.\tThe Committee notes the figures.[1]",
        "3.\tIt asks for more.",
    ]
    assert "Complaints\t310" in lines
    assert lines[-3:] == ["Footnotes", f"[1] {FOOTNOTE}", ""]


def test_docx_page_break_starts_page_two(tmp_path):
    path = write_docx(tmp_path / "letter.docx")
    raw = readers.read_raw(path)
    assert raw.text.count("\f") == 1
    assert raw.page_starts == (raw.text.index("\f") + 1,)
    doc = read_document(path)
    assert doc.page_at(doc.text.index("Second page")) == 2
    assert doc.page_at(doc.text.index("Complaints")) == 1


# --- scanned PDF: OCR -----------------------------------------------------------------------

SCANNED_LETTER = """Committee against Torture

REFERENCE: CAT/Follow-up - Georgia
14 March 2025

Excellency,

I write to you as Rapporteur for follow-up on the third periodic
report of Georgia. In its concluding observations (CAT/C/GEO/CO/3)
the Committee asked for information on paragraphs 12 and 20.

Investigations (para. 12 of the concluding observations)

The Committee notes the figures on complaints given in the reply,
but the outcome of the investigations opened is not yet clear (B2).
"""


def write_scanned_pdf(path: Path, text: str) -> Path:
    """An image-only PDF of *text* drawn at 300 dpi on an A4 page."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")), 44)
    page = Image.new("L", (2480, 3508), color=255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(text.splitlines()):
        draw.text((200, 250 + 70 * number), line, font=font, fill=0)
    page.save(path, format="PDF", resolution=300)
    return path


@needs_tesseract
def test_scanned_pdf_is_read_through_ocr(tmp_path):
    path = write_scanned_pdf(tmp_path / "scanned-letter.pdf", SCANNED_LETTER)
    started = time.perf_counter()
    doc = read_document(path)
    seconds = time.perf_counter() - started
    assert seconds < readers.OCR_TIMEOUT_S
    assert (doc.meta["iso3"], doc.meta["cycle"], doc.meta["co_symbol"]) == ("GEO", 3, "CAT/C/GEO/CO/3")
    assert doc.meta["kind"] == "followup_letter"
    grades = extract_grades(doc)
    assert grades[["paragraph", "grade"]].values.tolist() == [["12", "B2"]]


def test_scanned_pdf_without_tesseract_says_how_to_install_it(tmp_path, monkeypatch):
    path = write_scanned_pdf(tmp_path / "scanned-letter.pdf", "Committee against Torture")
    monkeypatch.setattr(readers.shutil, "which", lambda program: None)
    with pytest.raises(DocumentError) as caught:
        readers.read_raw(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "OCR is needed" in message
    assert "apt-get install tesseract-ocr" in message and "brew install tesseract" in message
    assert "pip install torture_stats[ocr]" in message


# --- files refused ----------------------------------------------------------------------------


def refused(path: Path) -> str:
    """The one-line message of the DocumentError that reading *path* raises."""
    with pytest.raises(DocumentError) as caught:
        readers.read_raw(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert refused(path).endswith("empty file")


def test_binary_file_named_pdf(tmp_path):
    path = tmp_path / "picture.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert "not a PDF" in refused(path)


def test_truncated_pdf(text_pdf, tmp_path):
    path = tmp_path / "truncated.pdf"
    data = text_pdf.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "truncated PDF" in refused(path)


def test_encrypted_pdf(text_pdf, tmp_path):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(text_pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as out:
        writer.write(out)
    assert refused(path).endswith("encrypted PDF: decrypt it first")


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "letter.docx"
    path.write_text("Committee against Torture, in plain text.", encoding="utf-8")
    assert "not a .docx (not a zip archive)" in refused(path)


def test_legacy_doc_named_docx(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert "legacy Word .doc" in refused(path)


def test_zip_bomb_named_docx(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"\x00" * (readers.MAX_DOCX_UNZIPPED_BYTES + 1))
    assert path.stat().st_size < 1_000_000
    message = refused(path)
    assert re.search(r"decompresses to more than 50 MB .*zip bomb", message)


# characters of every kind _is_odd tells apart: text controls, other controls (C0, DEL, C1), U+FFFD,
# unassigned, private-use, a lone surrogate, and ordinary ASCII and wider letters
ODD_OR_NOT = "\t\n\x0b\x0c\r\x00\x07\x1b\x1f\x7f\x80\x9f aZ~é€\ufffd\u0378\ue000\U0010fffd\ud800\U0001f600"


@pytest.mark.parametrize("alphabet", [ODD_OR_NOT, ODD_OR_NOT[:10] + " az~"])
def test_odd_characters_are_counted_one_by_one(alphabet):
    import random
    from collections import Counter

    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert readers._odd_count(text) == sum(n for ch, n in Counter(text).items() if readers._is_odd(ch)), text


def test_plausible_counts_and_warns(caplog):
    text = "Committee\x07 \ue000\ufffd" + "x" * 200
    assert readers.decode_text(text.encode("utf-8")) == text
    assert "3 control, unassigned or private-use characters" in caplog.text
    with pytest.raises(DocumentError, match="not plausible as UTF-8 text: 50% of its characters"):
        readers.decode_text(b"\x01a" * 50)
