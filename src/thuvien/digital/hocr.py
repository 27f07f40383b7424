"""hOCR: recognised text with word positions, as Tesseract writes it."""

import re
from html import escape

from lxml import html as lxml_html

from thuvien.core.vietnamese import nfc

_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")


def write_words(words, width, height):
    """hOCR for ``[(text, x0, y0, x1, y1)]`` words (a PDF text layer), one line per baseline."""
    lines = []
    for word in sorted(words, key=lambda w: (round(w[2] / 8), w[1])):
        if lines and abs(lines[-1][-1][2] - word[2]) < 8:
            lines[-1].append(word)
        else:
            lines.append([word])
    out = ["<?xml version='1.0' encoding='UTF-8'?>",
           ("<html xmlns='http://www.w3.org/1999/xhtml'><head><meta charset='utf-8'/>"
            "<meta name='ocr-system' content='thuvien pdf text layer'/></head><body>"),
           f"<div class='ocr_page' title='bbox 0 0 {width} {height}'>"]
    for line in lines:
        x0, y0 = min(w[1] for w in line), min(w[2] for w in line)
        x1, y1 = max(w[3] for w in line), max(w[4] for w in line)
        out.append(f"<span class='ocr_line' title='bbox {x0} {y0} {x1} {y1}'>")
        out.extend(f"<span class='ocrx_word' title='bbox {w[1]} {w[2]} {w[3]} {w[4]}'>{escape(nfc(w[0]))}</span> "
                   for w in line)
        out.append("</span>")
    out.append("</div></body></html>")
    return "\n".join(out)


def _parse(hocr_bytes):
    return lxml_html.fromstring(hocr_bytes)


def words(hocr_bytes):
    """``[(text, x, y, w, h)]`` of every word, in reading order."""
    if not hocr_bytes:
        return []
    result = []
    for element in _parse(hocr_bytes).iter():
        if "ocrx_word" not in (element.get("class") or ""):
            continue
        match = _BBOX.search(element.get("title") or "")
        text = nfc(element.text_content().strip())
        if match and text:
            x0, y0, x1, y1 = map(int, match.groups())
            result.append((text, x0, y0, x1 - x0, y1 - y0))
    return result


def text(hocr_bytes):
    """Plain text, one line per hOCR line."""
    if not hocr_bytes:
        return ""
    lines = []
    for element in _parse(hocr_bytes).iter():
        if "ocr_line" in (element.get("class") or "") or "ocr_caption" in (element.get("class") or "") \
                or "ocr_header" in (element.get("class") or "") or "ocr_textfloat" in (element.get("class") or ""):
            line = " ".join(
                w.text_content().strip() for w in element.iter()
                if "ocrx_word" in (w.get("class") or "") and w.text_content().strip())
            if line:
                lines.append(line)
    return nfc("\n".join(lines))
