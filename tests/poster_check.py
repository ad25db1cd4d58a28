"""Reads a poster PDF as a person (and a phone camera) would: the page size, the text, and the
QR code's modules in a rendered image, compared with the QR code segno makes for the URL."""

from __future__ import annotations

import pypdfium2 as pdfium
import segno

from pakjeplekje.adapters import poster_pdf

SCALE = 3.0  # 216 dpi: a module of the QR code is some 28 pixels wide
MM = 72 / 25.4  # PDF points per millimetre


def page_size_and_text(pdf: bytes) -> tuple[int, tuple[int, int], str]:
    """Pages, the first page's size in whole points and its text."""
    doc = pdfium.PdfDocument(pdf)
    try:
        width, height = doc[0].get_size()
        text = doc[0].get_textpage().get_text_range()
        return len(doc), (round(width), round(height)), text
    finally:
        doc.close()


def expected_modules(url: str) -> list[list[bool]]:
    """The QR code for `url` as the poster promises to draw it: level M, no boosting."""
    code = segno.make_qr(url, error="m", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=0)]


def rendered_modules(pdf: bytes, size: int, border: int = 4) -> list[list[bool]]:
    """The dark/light value at the centre of each module (plus `border` modules around, the
    quiet zone) where the poster places its QR code, read from a rendered image of page 1."""
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=SCALE, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    px = MM * SCALE
    left = (poster_pdf.PAGE_WIDTH_MM - poster_pdf.QR_SIZE_MM) / 2 * px
    top = poster_pdf.QR_TOP_MM * px
    module = poster_pdf.QR_SIZE_MM / size * px
    return [
        [
            image.getpixel((int(left + (c + 0.5) * module), int(top + (r + 0.5) * module))) < 128  # type: ignore[operator]
            for c in range(-border, size + border)
        ]
        for r in range(-border, size + border)
    ]


def assert_poster_qr(pdf: bytes, url: str) -> None:
    """The image shows exactly segno's QR code for `url`, with a white quiet zone around it."""
    want = expected_modules(url)
    size, border = len(want), 4
    got = rendered_modules(pdf, size, border)
    quiet = [
        got[r][c]
        for r in range(size + 2 * border)
        for c in range(size + 2 * border)
        if not (border <= r < size + border and border <= c < size + border)
    ]
    assert not any(quiet), "the quiet zone around the QR code must be white"
    inner = [row[border : border + size] for row in got[border : border + size]]
    wrong = sum(
        a != b
        for row_a, row_b in zip(inner, want, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
    )
    assert wrong == 0, f"{wrong} of {size * size} QR modules differ from the code for {url}"
