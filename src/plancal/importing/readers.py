"""One reader per kind of file, each giving a ``Document``; nothing here knows about plans.

The suffix says which reader; the first bytes must agree, so a PDF renamed to ``.docx`` or a
Word file saved as ``.txt`` is named for what it is. python-docx and pdfplumber are imported
inside their reader: ``plancal --help`` and the other commands never load them. Every failure
a person can act on — a password, a scan without text, a file that is not what its name says —
is a ``UserError`` with what to do instead; a library's own words never reach the user.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from statistics import median
from typing import Any

from plancal.errors import Problem, UserError, Where
from plancal.i18n import Message, Text, msg
from plancal.importing.document import Block, Document, Paragraph, Table

MAX_BYTES = 50 * 1024 * 1024  # a plan document is a few pages; anything larger is a mistake
SUFFIXES = (".docx", ".pdf", ".txt")

_KIND_NAMES = {
    "pdf": Text("a PDF", "en PDF"),
    "zip": Text("a Word document or another zip file", "ett Word-dokument eller en annan zip-fil"),
    "ole": Text(
        "an old Word file (.doc) or an encrypted Office file",
        "en gammal Word-fil (.doc) eller en krypterad Office-fil",
    ),
    "binary": Text("a binary file, not text", "en binärfil, inte text"),
    "text": Text("plain text", "vanlig text"),
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def sniff(data: bytes) -> str:
    """What the first bytes say the file is: pdf, zip, ole, text or binary."""
    head = data[:1024]
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def _fail(path: Path, message: Message, hint: Message) -> UserError:
    return UserError([Problem(Where(str(path)), message, hint)])


def read(path: Path) -> Document:
    """The document at ``path`` (.docx, .pdf or .txt) as paragraphs and tables."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(
            path,
            msg(
                Text(
                    "plancal cannot import {suffix!r} files",
                    "plancal kan inte importera {suffix!r}-filer",
                ),
                suffix=suffix or path.name,
            ),
            msg(
                Text(
                    "save the plan as Word (.docx), PDF (.pdf) or plain text (.txt) and import that",
                    "spara planen som Word (.docx), PDF (.pdf) eller vanlig text (.txt) och importera den",
                )
            ),
        )
    try:
        if not path.is_file():
            raise _fail(
                path,
                msg(Text("{file} is not a file", "{file} är ingen fil"), file=str(path)),
                msg(
                    Text("give the path of the plan document", "ange sökvägen till plandokumentet")
                ),
            )
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise _fail(
            path,
            msg(
                Text("cannot read {file}: {error}", "kan inte läsa {file}: {error}"),
                file=str(path),
                error=e.strerror or str(e),
            ),
            msg(
                Text(
                    "check the path and the file's permissions",
                    "kontrollera sökvägen och filens rättigheter",
                )
            ),
        ) from None
    if len(data) > MAX_BYTES:
        raise _fail(
            path,
            msg(Text("{file} is larger than 50 MB", "{file} är större än 50 MB"), file=str(path)),
            msg(Text("import the plan document itself", "importera själva plandokumentet")),
        )
    kind = sniff(data)
    expected = {".docx": "zip", ".pdf": "pdf", ".txt": "text"}[suffix]
    if suffix == ".docx" and kind == "ole":
        raise _encrypted_or_doc(path, data)
    if kind != expected:
        raise _fail(
            path,
            msg(
                Text(
                    "{file} is named {suffix} but is {kind}",
                    "{file} heter {suffix} men är {kind}",
                ),
                file=path.name,
                suffix=suffix,
                kind=_KIND_NAMES[kind],
            ),
            msg(
                Text(
                    "give the file the suffix of what it is (.docx, .pdf or .txt), or export the plan again",
                    "ge filen ändelsen för vad den är (.docx, .pdf eller .txt), eller exportera planen igen",
                )
            ),
        )
    if suffix == ".txt":
        return read_text(str(path), data)
    if suffix == ".docx":
        return read_docx(path, data)
    return read_pdf(path, data)


# --- plain text ------------------------------------------------------------------------------

_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def read_text(name: str, data: bytes) -> Document:
    """Plain text as the seed is written: a table row is a line with tab-separated cells (or a
    Markdown ``| a | b |`` row); every other line is a paragraph."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # an old Windows export; never fails
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []

    def close() -> None:
        if rows:
            blocks.append(Table(tuple(rows), line=lines[0], row_lines=tuple(lines)))
            rows.clear()
            lines.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        cells: tuple[str, ...] | None = None
        if "\t" in line.strip("\n") and stripped:
            cells = tuple(c.strip() for c in line.rstrip("\r\n").split("\t"))
        elif stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            if _PIPE_SEPARATOR.match(stripped):
                continue
            cells = tuple(c.strip() for c in stripped[1:-1].split("|"))
        if cells is not None:
            rows.append(cells)
            lines.append(number)
            continue
        close()
        if stripped:
            blocks.append(Paragraph(stripped, line=number))
    close()
    return Document(name, tuple(blocks))


# --- Word ------------------------------------------------------------------------------------


def _encrypted_or_doc(path: Path, data: bytes) -> UserError:
    if _ENCRYPTED_PACKAGE in data:
        return _fail(
            path,
            msg(
                Text("{file} is protected with a password", "{file} är skyddad med lösenord"),
                file=path.name,
            ),
            msg(
                Text(
                    "open it in Word, remove the password (File > Info > Protect Document) and save a copy to import",
                    "öppna den i Word, ta bort lösenordet (Arkiv > Info > Skydda dokument) och spara en kopia att importera",
                )
            ),
        )
    return _fail(
        path,
        msg(
            Text(
                "{file} is an old Word file (.doc), not .docx",
                "{file} är en gammal Word-fil (.doc), inte .docx",
            ),
            file=path.name,
        ),
        msg(
            Text(
                "save it as .docx (Word: Save as > Word Document) and import that",
                "spara den som .docx (Word: Spara som > Word-dokument) och importera den",
            )
        ),
    )


def _missing(path: Path, kind: Text) -> UserError:
    return _fail(
        path,
        msg(
            Text(
                "reading {kind} needs plancal's import extra, which is not installed",
                "att läsa {kind} kräver plancals import-tillägg, som inte är installerat",
            ),
            kind=kind,
        ),
        msg(
            Text(
                "install it with: pip install 'plancal[import]' (or import the plan as .txt)",
                "installera det med: pip install 'plancal[import]' (eller importera planen som .txt)",
            )
        ),
    )


def read_docx(path: Path, data: bytes) -> Document:
    try:
        import docx  # heavy: only when a Word file is imported
        from docx.table import Table as DocxTable
    except ImportError:
        raise _missing(path, Text("Word documents", "Word-dokument")) from None

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for item in document.iter_inner_content():
            if isinstance(item, DocxTable):
                rows: list[tuple[str, ...]] = []
                for row in item.rows:
                    cells: list[str] = []
                    seen: list[Any] = []
                    for cell in row.cells:
                        if any(cell._tc is s for s in seen):  # a merged cell repeats itself
                            continue
                        seen.append(cell._tc)
                        cells.append("\n".join(p.text for p in cell.paragraphs))
                    rows.append(tuple(cells))
                blocks.append(Table(tuple(rows)))
            else:
                style = (item.style.name if item.style is not None else "") or ""
                heading = style.lower().startswith(("heading", "rubrik", "title", "rubrik"))
                if item.text.strip():
                    blocks.append(Paragraph(item.text, heading=heading))
    except Exception:  # python-docx raises many kinds for a broken package; all mean the same
        raise _fail(
            path,
            msg(
                Text(
                    "{file} cannot be read as a Word document",
                    "{file} kan inte läsas som ett Word-dokument",
                ),
                file=path.name,
            ),
            msg(
                Text(
                    "open it in Word or LibreOffice and save it again as .docx, or export it as PDF",
                    "öppna den i Word eller LibreOffice och spara den igen som .docx, eller exportera den som PDF",
                )
            ),
        ) from None
    return Document(str(path), tuple(blocks))


# --- PDF -------------------------------------------------------------------------------------


def read_pdf(path: Path, data: bytes) -> Document:
    try:
        import pdfplumber  # heavy: only when a PDF is imported
    except ImportError:
        raise _missing(path, Text("PDFs", "PDF-filer")) from None

    blocks: list[Block] = []
    chars = images = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                chars += len(page.chars)
                images += len(page.images)
                blocks += _page_blocks(page, number)
    except Exception as e:  # pdfminer's exceptions, wrapped or not
        if _is_password(e):
            raise _fail(
                path,
                msg(
                    Text("{file} is protected with a password", "{file} är skyddad med lösenord"),
                    file=path.name,
                ),
                msg(
                    Text(
                        "open it with the password and save or print a copy without one, then import that",
                        "öppna den med lösenordet och spara eller skriv ut en kopia utan, och importera den",
                    )
                ),
            ) from None
        raise _fail(
            path,
            msg(
                Text("{file} cannot be read as a PDF", "{file} kan inte läsas som en PDF"),
                file=path.name,
            ),
            msg(
                Text(
                    "export the plan again as PDF from Word or LibreOffice, or import the .docx",
                    "exportera planen igen som PDF från Word eller LibreOffice, eller importera .docx-filen",
                )
            ),
        ) from None
    if chars == 0 and images > 0:
        raise _fail(
            path,
            msg(
                Text(
                    "{file} is a scanned PDF: its pages are pictures without a text layer",
                    "{file} är en skannad PDF: sidorna är bilder utan textlager",
                ),
                file=path.name,
            ),
            msg(
                Text(
                    "import the original Word document, or run the PDF through text recognition (OCR) first",
                    "importera originalet i Word, eller kör PDF:en genom textigenkänning (OCR) först",
                )
            ),
        )
    return Document(str(path), tuple(blocks))


def _is_password(e: BaseException) -> bool:
    seen: BaseException | None = e
    while seen is not None:
        name = type(seen).__name__
        if (
            "Password" in name
            or "Encrypt" in name
            or any("Password" in type(a).__name__ for a in getattr(seen, "args", ()))
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _page_blocks(page: Any, number: int) -> list[Block]:
    """A page's tables and the text around them, top to bottom; text lines close together
    form one paragraph, and a line in a larger font than the page's body is a heading."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = text_page.extract_text_lines(return_chars=True)
    placed: list[tuple[float, Block]] = []
    for t in tables:
        rows = tuple(tuple(c or "" for c in r) for r in t.extract())
        placed.append((t.bbox[1], Table(rows, page=number)))
    sizes = [c["size"] for ln in lines for c in ln["chars"]]
    body = median(sizes) if sizes else 0.0
    paragraph: list[str] = []
    top = bottom = 0.0
    heading = False

    def close() -> None:
        if paragraph:
            placed.append((top, Paragraph(" ".join(paragraph), page=number, heading=heading)))
            paragraph.clear()

    for ln in lines:
        size = max((c["size"] for c in ln["chars"]), default=body)
        is_heading = size > body + 1
        height = ln["bottom"] - ln["top"]
        starts = (
            not paragraph
            or is_heading != heading
            or ln["top"] - bottom > 0.6 * height
            or any(b[1] >= bottom - 1 and b[3] <= ln["top"] + 1 for b in boxes)
            or re.match(r"^\s*[-•*–·▪◦]\s", ln["text"])
        )
        if starts:
            close()
            top = ln["top"]
            heading = is_heading
        paragraph.append(ln["text"])
        bottom = ln["bottom"]
    close()
    placed.sort(key=lambda p: p[0])
    return [b for _top, b in placed]
