"""Generated sample pages with known Vietnamese text, for tests, benchmarks and the demo."""

import textwrap
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
TEXTS = [
    "Ninh Bình là vùng đất cố đô Hoa Lư, nơi Đinh Bộ Lĩnh dẹp loạn mười hai sứ quân và lập nên nhà nước Đại Cồ Việt.",
    "Thư viện tỉnh lưu giữ tài liệu địa chí, sách cổ và tài liệu Hán Nôm quý hiếm về lịch sử, văn hóa của quê hương.",
    "Tràng An và Tam Cốc với núi đá vôi, hang động và dòng sông uốn lượn là di sản thế giới được bạn đọc yêu thích.",
    "Người dân làng nghề thêu ren Văn Lâm và đá mỹ nghệ Ninh Vân giữ gìn truyền thống qua nhiều thế hệ.",
]


def page_image(text, path, size=(1240, 1754), font_size=34, margin=100):
    """A white page with ``text`` set in DejaVu Serif; returns the path."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_size)
    chars = max(10, int((size[0] - 2 * margin) / (font_size * 0.55)))
    y = margin
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, chars):
            draw.text((margin, y), line, font=font, fill=0)
            y += int(font_size * 1.6)
        y += font_size
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        image.save(path, quality=90)
    elif suffix in (".tif", ".tiff"):
        image.save(path, compression="tiff_lzw")
    else:
        image.save(path)
    return path


def born_digital_pdf(pages, path):
    """A PDF with a real text layer (embedded DejaVu font), one text per page."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return Path(path)


def text_pdf(pages, path):
    """A born-digital PDF (text layer, embedded DejaVu font) with reportlab, which the
    application installs (``born_digital_pdf`` needs the test-only fpdf2)."""
    import textwrap

    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", FONT))
    pdf = canvas.Canvas(str(path), pagesize=A5)
    _width, height = A5
    for text in pages:
        pdf.setFont("DejaVuSerif", 12)
        y = height - 60
        for line in textwrap.wrap(text, 48):
            pdf.drawString(40, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return Path(path)


def scanned_pdf(texts, path, size=(1240, 1754)):
    """A PDF of page images only (no text layer), like a scanner makes."""
    from PIL import Image

    images = []
    for i, text in enumerate(texts):
        tmp = Path(path).with_suffix(f".{i}.png")
        page_image(text, tmp, size=size)
        images.append(Image.open(tmp).convert("RGB"))
        tmp.unlink()
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return Path(path)
