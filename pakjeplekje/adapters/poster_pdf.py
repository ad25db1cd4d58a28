"""The A4 reception-desk poster as a PDF: the practice's name, a short Dutch call to action, a
large QR code of the public sign-up page and that address in print underneath.

Pure rendering (fpdf2 + segno, no I/O): the caller hands in the name and the full URL. The QR
code is drawn as vector rectangles, one per run of dark modules in a row, so it stays sharp at
any print size and needs no image library. The text uses fpdf2's built-in Helvetica, whose
Windows-1252 encoding covers Dutch (é, ë, ï, ü, €, ’); a character outside it (a practice name
in another script) is printed without its accent or as "?", never an error.
"""

from __future__ import annotations

import unicodedata

import segno
from fpdf import FPDF

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210.0, 297.0
MARGIN_MM = 18.0
QR_SIZE_MM = 90.0  # modules of 2.5–3.5 mm: a phone reads it from well over a metre
QR_TOP_MM = 86.0
QUIET_MM = 15.0  # 4 modules of the largest QR code (version 2) stay white around it
QR_ERROR = "m"  # 15 % recovery: a crease or a smudge on the printed sheet is fine
ENCODING = "windows-1252"

TITLE = "Eerder terecht?"
SUBTITLE = "Zet uzelf op de wachtlijst"
SCAN = "Scan de code met de camera van uw telefoon, of ga naar:"
STEPS = (
    "Scan de code en vul uw naam, mobiele nummer en uw vrije momenten in.",
    "Bevestig met de code die u per SMS krijgt.",
    "Valt er een afspraak vrij die bij u past? Dan krijgt u een SMS en kiest u zelf of u "
    "de plek neemt.",
)
FREE = "Gratis. Afmelden kan altijd: antwoord STOP op een SMS van ons."

FOOTER = "De praktijk gebruikt uw gegevens alleen voor deze wachtlijst. Via PakJePlekje."

INK = (20, 33, 61)
ACCENT = (14, 116, 144)
GREY = (90, 98, 112)


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (True = dark) without the quiet zone. Fixed error level and no
    boosting, so a test can rebuild the very same matrix from the URL."""
    code = segno.make_qr(url, error=QR_ERROR, boost_error=False)
    return tuple(
        tuple(bool(m) for m in row) for row in code.matrix_iter(scale=1, border=0, verbose=False)
    )


_NO_DECOMPOSITION = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i"})


def printable(text: str) -> str:
    """`text` in the core font's encoding: accents kept where it has them, else stripped,
    anything else "?". Control characters become spaces."""
    out = []
    for ch in " ".join(text.split()).translate(_NO_DECOMPOSITION):
        try:
            ch.encode(ENCODING)
        except UnicodeEncodeError:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", ch)
                if not unicodedata.combining(c) and c.isascii() and c.isprintable()
            )
            out.append(base or "?")
        else:
            out.append(ch)
    return "".join(out)


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(url)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")


def render(practice_name: str, url: str) -> bytes:
    """One A4 page (595 × 842 pt) for the practice's waiting room, as PDF bytes."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    name = printable(practice_name)
    pdf.set_title(printable(f"Wachtlijst {practice_name}"))
    pdf.set_author(name)
    pdf.set_creator("PakJePlekje")
    pdf.add_page()
    width = PAGE_WIDTH_MM - 2 * MARGIN_MM

    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, PAGE_WIDTH_MM, 8, style="F")
    pdf.set_xy(MARGIN_MM, 16)
    pdf.set_text_color(*GREY)
    long_name = len(name) > 45  # at most two lines, so the title stays clear of the QR code
    pdf.set_font("Helvetica", "B", 14 if long_name else 18)
    pdf.multi_cell(width, 6 if long_name else 8, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 40)
    pdf.cell(width, 17, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*ACCENT)
    pdf.set_font("Helvetica", "B", 26)
    pdf.cell(width, 13, SUBTITLE, align="C", new_x="LMARGIN", new_y="NEXT")

    # The QR code keeps its place whatever the name's length, with its quiet zone (ISO 18004:
    # 4 modules) white: the title above ends and the text below starts outside it.
    x = (PAGE_WIDTH_MM - QR_SIZE_MM) / 2
    _qr(pdf, url, x, QR_TOP_MM, QR_SIZE_MM)

    pdf.set_xy(MARGIN_MM, QR_TOP_MM + QR_SIZE_MM + QUIET_MM)
    pdf.set_text_color(*GREY)
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(width, 6, SCAN, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 15 if len(url) <= 60 else 11)
    pdf.multi_cell(width, 7, printable(url), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(pdf.get_y() + 8)
    pdf.set_font("Helvetica", "", 13)
    for number, step in enumerate(STEPS, start=1):
        top = pdf.get_y()
        pdf.set_fill_color(*ACCENT)
        pdf.ellipse(MARGIN_MM + 4, top, 8, 8, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Helvetica", "B", 13)
        pdf.set_xy(MARGIN_MM + 4, top + 0.2)
        pdf.cell(8, 7.6, str(number), align="C")
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "", 13)
        pdf.set_xy(MARGIN_MM + 16, top + 1)
        pdf.multi_cell(width - 20, 6, step, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + 8) + 3)

    pdf.ln(2)
    pdf.set_text_color(*ACCENT)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width, 7, FREE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(MARGIN_MM, PAGE_HEIGHT_MM - 14)
    pdf.set_text_color(*GREY)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(width, 5, FOOTER, align="C")
    return bytes(pdf.output())
