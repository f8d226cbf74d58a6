"""Turning the test corpus's text letters into PDF, scanned PDF and Word files, inside the tests."""

from __future__ import annotations

from pathlib import Path

LINES_PER_PAGE = 48


def pages_of(text: str, lines_per_page: int = LINES_PER_PAGE) -> list[str]:
    lines = text.replace("\f", "\n").splitlines()
    return ["\n".join(lines[i : i + lines_per_page]) for i in range(0, len(lines), lines_per_page)]


def write_text_pdf(path: Path, text: str) -> Path:
    """A PDF with a real text layer, the letter's lines laid out on A4 pages."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        for page in pages_of(text):
            fig = plt.figure(figsize=(8.27, 11.69))
            fig.text(0.08, 0.95, page, va="top", fontsize=9, family="DejaVu Sans")
            pdf.savefig(fig)
            plt.close(fig)
    return path


def write_scanned_pdf(path: Path, text: str) -> Path:
    """An image-only PDF: each page drawn at 300 dpi, no text layer."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")), 40)
    images = []
    for page_text in pages_of(text, 44):
        page = Image.new("L", (2480, 3508), color=255)
        draw = ImageDraw.Draw(page)
        for number, line in enumerate(page_text.splitlines()):
            draw.text((160, 200 + 70 * number), line, font=font, fill=0)
        images.append(page)
    images[0].save(path, format="PDF", resolution=300, save_all=True, append_images=images[1:])
    return path


def write_docx(path: Path, text: str) -> Path:
    """A Word file with one paragraph per block of the letter (lines of a block joined)."""
    import docx

    document = docx.Document()
    for block in text.replace("\f", "\n").split("\n\n"):
        joined = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if joined:
            document.add_paragraph(joined)
    document.save(path)
    return path
