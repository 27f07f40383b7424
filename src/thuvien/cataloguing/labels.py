"""Barcode and spine labels as PDF, on A4 sheets of sticky labels."""

import io
import re
from pathlib import Path

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIRS = [Path(__file__).parent / "static" / "cataloguing" / "fonts", Path("/usr/share/fonts/truetype/dejavu")]
FONT = "DejaVuSans"
# A common A4 sheet: 3 x 8 labels of 70 x 37 mm (barcode) and 5 x 10 spine labels of 38 x 27 mm.
SHEETS = {"barcode": (3, 8, 70 * mm, 37 * mm), "spine": (5, 10, 38 * mm, 27 * mm)}
# The narrowest bar: 0.01 inch, a whole number of dots on 300 and 600 dpi printers (0.3 mm is not,
# and its bars print unevenly enough that scanners miss some labels).
BAR = 72 / 100


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        for folder in FONT_DIRS:
            path = folder / "DejaVuSans.ttf"
            if path.exists():
                pdfmetrics.registerFont(TTFont(FONT, str(path)))
                break
        else:  # pragma: no cover - the font ships with fonts-dejavu-core
            return "Helvetica"
    return FONT


def spine_lines(call_number, max_chars=9):
    """A call number as spine lines: "895.922 NG-A 2020" -> ["895.922", "NG-A", "2020"].

    A class number too long for the spine breaks after its whole part, then every four
    decimal digits: "915.973912345" -> ["915", ".9739", "1234", "5"].
    """
    lines = []
    for part in re.split(r"[\s/]+", (call_number or "").strip()):
        part = part.rstrip(",;:")
        if len(part) > max_chars and re.fullmatch(r"\d+\.\d+", part):
            whole, decimals = part.split(".")
            lines.append(whole)
            chunks = [decimals[i:i + 4] for i in range(0, len(decimals), 4)]
            lines += ["." + chunks[0]] + chunks[1:]
            continue
        while len(part) > max_chars:
            lines.append(part[:max_chars])
            part = part[max_chars:]
        if part:
            lines.append(part)
    return lines or ["—"]


def _shorten(text, font, size, width):
    while text and pdfmetrics.stringWidth(text, font, size) > width:
        text = text[:-2].rstrip() + "…" if len(text) > 2 else ""
    return text


def per_sheet(kind):
    columns, rows, _width, _height = SHEETS[kind]
    return columns * rows


def render(items, kind="barcode", library_name="", start=1):
    """PDF bytes with one label per item. ``items`` are catalog Items (with record).

    ``start`` (1-based) skips the labels already peeled off a partly used first sheet.
    """
    columns, rows, width, height = SHEETS[kind]
    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle("Nhãn" if kind == "spine" else "Mã vạch")
    page_w, page_h = A4
    left = (page_w - columns * width) / 2
    top = page_h - (page_h - rows * height) / 2
    per_page = columns * rows
    skip = max(0, min(start, per_page) - 1)
    for n, item in enumerate(items, start=skip):
        if n > skip and n % per_page == 0:
            pdf.showPage()
        slot = n % per_page
        x = left + (slot % columns) * width
        y = top - (slot // columns + 1) * height
        if kind == "barcode":
            _barcode_label(pdf, item, x, y, width, height, font, library_name)
        else:
            _spine_label(pdf, item, x, y, width, height, font)
    pdf.save()
    return out.getvalue()


def _barcode_label(pdf, item, x, y, width, height, font, library_name):
    pad = 3 * mm
    pdf.setFont(font, 7)
    name = library_name or item.library.name
    pdf.drawString(x + pad, y + height - pad - 6, _shorten(name, font, 7, width - 2 * pad))
    symbol = code128.Code128(item.barcode, barHeight=14 * mm, barWidth=BAR, quiet=False)
    if symbol.width > width - 2 * pad:  # long barcodes get thinner bars
        symbol = code128.Code128(item.barcode, barHeight=14 * mm,
                                 barWidth=BAR * (width - 2 * pad) / symbol.width, quiet=False)
    symbol.drawOn(pdf, x + (width - symbol.width) / 2, y + 10 * mm)
    pdf.setFont(font, 9)
    pdf.drawCentredString(x + width / 2, y + 6 * mm, item.barcode)
    pdf.setFont(font, 6.5)
    pdf.drawCentredString(x + width / 2, y + 2.5 * mm, _shorten(item.record.title, font, 6.5, width - 2 * pad))


def _spine_label(pdf, item, x, y, width, height, font):
    lines = spine_lines(item.call_number or item.record.ddc)[:5]
    size = 11
    line_h = size + 2
    block = len(lines) * line_h
    baseline = y + height / 2 + block / 2 - size
    pdf.setFont(font, size)
    for line in lines:
        pdf.drawCentredString(x + width / 2, baseline, line)
        baseline -= line_h
    pdf.setFont(font, 6)
    pdf.drawCentredString(x + width / 2, y + 2 * mm, item.barcode)
