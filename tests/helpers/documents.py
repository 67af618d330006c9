"""Plan documents as a municipality sends them, made in the tests from the seed's text: a Word
file (python-docx) and a PDF with real tables (reportlab), plus the broken kinds people send
(password-protected, scanned, mislabelled).

The split of the seed text is the test's own and deliberately simple: a line with tabs is a
table row, a line that names an area or a section is a heading, anything else a paragraph.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
SEED_TEXT = FIXTURES / "soderhamn-2022-2023.txt"
HEADINGS = {
    "Ungdomskriminalitet",
    "Narkotika",
    "Samverkan",
    "Kommunikation",
    "Gemensam aktivitetsplan",
    "Uppföljning och utvärdering",
    "Gemensam problembild",
}
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core

Part = tuple[str, object]  # ("heading" | "paragraph", str) or ("table", list of rows)


def parts(text: str) -> Iterator[Part]:
    rows: list[list[str]] = []
    for line in text.splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:
            yield ("table", rows)
            rows = []
        if line.strip():
            kind = "heading" if line.strip() in HEADINGS else "paragraph"
            yield (kind, line.strip())
    if rows:
        yield ("table", rows)


def seed_parts() -> list[Part]:
    return list(parts(SEED_TEXT.read_text(encoding="utf-8")))


def docx_bytes(document_parts: list[Part]) -> bytes:
    import docx

    document = docx.Document()
    for kind, value in document_parts:
        if kind == "heading":
            document.add_heading(str(value), level=2)
        elif kind == "paragraph":
            document.add_paragraph(str(value))
        else:
            rows = value
            assert isinstance(rows, list)
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(document_parts: list[Part], password: str | None = None) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=10, leading=13, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=14, leading=18, spaceBefore=8)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0)
    story: list[object] = []
    for kind, value in document_parts:
        if kind == "table":
            rows = value
            assert isinstance(rows, list)
            table = Table(
                [[Paragraph(escape(c), cell) for c in row] for row in rows],
                colWidths=[150, 90, 120, 125][: len(rows[0])] + [60] * max(0, len(rows[0]) - 4),
                repeatRows=1,
            )
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story += [table, Spacer(1, 8)]
        else:
            style = heading if kind == "heading" else body
            story.append(Paragraph(escape(str(value)), style))
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, encrypt=password)
    template.build(story)
    return out.getvalue()


def scanned_pdf_bytes() -> bytes:
    """A page that is only a picture of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (800, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "Aktivitet  När  Vem  Uppföljning", fill="black")
    draw.rectangle((10, 10, 790, 290), outline="black")
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawImage(ImageReader(image), 50, 500, width=500, height=190)
    page.showPage()
    page.save()
    return out.getvalue()


def encrypted_docx_bytes(plain: bytes, password: str) -> bytes:
    """The Word file as Word saves it with "Encrypt with password" (ECMA-376 agile)."""
    import msoffcrypto.format.ooxml as ooxml

    source = ooxml.OOXMLFile(io.BytesIO(plain))
    out = io.BytesIO()
    source.encrypt(password, out)
    return out.getvalue()
