import struct
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command

from thuvien.digital.ingest import IngestError, ingest
from thuvien.digital.models import DigitalFile, DigitalObject, OcrStatus, TextSource, media_path


def _bomb_png(path, width=60000, height=60000):
    """A tiny PNG whose header claims an enormous image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return path


def _encrypted_pdf(source, path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with path.open("wb") as f:
        writer.write(f)
    return path


def test_folder_becomes_one_object_with_ordered_pages_and_checksums(samples, record, network):
    result = ingest([samples / "pages"], record, access="open", library=network["NB-TVT"], wait=False)
    obj = result.object
    assert result.pages == 3 and not result.refused
    pages = list(obj.files.order_by("order"))
    assert [p.source_name for p in pages] == ["trang-1.jpg", "trang-2.jpg", "trang-3.jpg"]
    for page in pages:
        assert len(page.sha256) == 64 and page.size > 0 and (page.width, page.height) == (900, 1200)
        assert media_path(page.path).is_file()
        assert (media_path(page.iiif_dir) / "info.json").is_file()
        assert page.ocr_status == OcrStatus.PENDING  # images wait for the OCR task


def test_born_digital_pdf_is_split_and_keeps_its_text_layer(samples, record, network):
    obj = ingest([samples / "born.pdf"], record, library=network["NB-TVT"]).object
    pages = list(obj.files.order_by("order"))
    assert [p.pdf_page for p in pages] == [1, 2]
    assert all(p.text_source == TextSource.PDF and p.ocr_status == OcrStatus.DONE for p in pages)
    assert "Đinh Bộ Lĩnh" in pages[0].text
    assert "Hán Nôm" in pages[1].text
    assert media_path(pages[1].hocr_path).read_text().count("ocrx_word") > 10


def test_bad_files_are_refused_and_the_rest_go_in(samples, record, network, tmp_path, settings):
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html>not a pdf</html>")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((samples / "pages" / "trang-1.jpg").read_bytes()[:3000])
    bomb = _bomb_png(tmp_path / "bomb.png")
    locked = _encrypted_pdf(samples / "born.pdf", tmp_path / "locked.pdf")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    good = samples / "pages" / "trang-2.jpg"
    result = ingest([fake, truncated, bomb, good, locked, text], record, library=network["NB-TVT"])
    refused = dict(result.refused)
    assert set(refused) == {"fake.pdf", "truncated.jpg", "bomb.png", "locked.pdf", "notes.txt"}
    # messages in the interface language (Vietnamese by default)
    assert "không phải là tệp PDF" in refused["fake.pdf"]
    assert "mã hóa" in refused["locked.pdf"]
    assert "quá lớn" in refused["bomb.png"] or "bom" in refused["bomb.png"]
    assert result.pages == 1
    assert [p.source_name for p in result.object.files.all()] == ["trang-2.jpg"]


def test_size_limit_is_configurable(samples, record, network, settings):
    settings.DIGITAL_MAX_FILE_BYTES = 1000
    with pytest.raises(IngestError):
        ingest([samples / "pages" / "trang-1.jpg"], record, library=network["NB-TVT"])


def test_nothing_usable_leaves_nothing_behind(record, network, tmp_path, settings):
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(IngestError) as raised:
        ingest([fake], record, library=network["NB-TVT"])
    assert [name for name, _ in raised.value.refused] == ["scan.pdf"]
    assert DigitalObject.objects.count() == 0 and DigitalFile.objects.count() == 0
    digital = media_path("digital")
    assert not any(p.is_file() for p in digital.rglob("*")) if digital.exists() else True


def test_cli_ingest_with_wait_runs_ocr_and_feeds_search(samples, record, network, capsys):
    call_command("digital", "ingest", str(samples / "pages" / "trang-3.jpg"), "--record", str(record.pk),
                 "--access", "open", "--library", "NB-TVT", "--wait")
    assert "1" in capsys.readouterr().out
    page = DigitalFile.objects.get(object__record=record)
    assert page.ocr_status == OcrStatus.DONE and page.text_source == TextSource.OCR
    assert "Tràng An" in page.text
    assert "ocrx_word" in media_path(page.hocr_path).read_text()

    from thuvien.search.service import SearchRequest, search

    found = search(SearchRequest(q='"dong song uon luon"'))  # diacritics folded
    assert record.pk in found.ids
    from thuvien.digital.fulltext import pages_matching

    assert pages_matching(page.object, "dòng sông uốn lượn") == [1]
    assert pages_matching(page.object, "không có cụm này") == []


def test_cli_refuses_unknown_record(samples, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("digital", "ingest", str(samples / "born.pdf"), "--record", "999999", "--library", "NB-TVT")


def test_cli_collection_then_ingest_into_it(samples, record, network, capsys):
    call_command("digital", "collection", "NB-DIACHI", "Tài liệu địa chí Ninh Bình", "--library", "NB-TVT",
                 "--kind", "local_studies")
    call_command("digital", "ingest", str(samples / "born.pdf"), "--record", str(record.pk),
                 "--collection", "NB-DIACHI", "--access", "onsite")
    obj = DigitalObject.objects.get()
    assert obj.collection.code == "NB-DIACHI" and obj.library.code == "NB-TVT" and obj.access == "onsite"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("digital", "ingest", str(samples / "born.pdf"), "--record", str(record.pk),
                     "--collection", "NOPE")


def test_multipage_tiff_and_png_pages(samples, record, network, tmp_path):
    from PIL import Image

    frames = [Image.open(p).convert("L") for p in sorted((samples / "pages").iterdir())[:2]]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    Image.open(samples / "pages" / "trang-3.jpg").convert("RGBA").save(tmp_path / "last.png")
    result = ingest([tmp_path / "scan.tif", tmp_path / "last.png"], record, library=network["NB-TVT"])
    pages = list(result.object.files.order_by("order"))
    assert [(p.source_name, p.mime_type) for p in pages] == [
        ("scan.tif", "image/tiff"), ("scan.tif", "image/tiff"), ("last.png", "image/png")]
    assert pages[0].sha256 == pages[1].sha256 != pages[2].sha256
    assert [p.pdf_page for p in pages] == [1, 2, None]
    from thuvien.digital.ocr import ocr_object

    ocr_object(result.object.pk)  # the second TIFF frame is read, not the first again
    texts = [p.text for p in result.object.files.order_by("order")]
    assert "Hoa Lư" in texts[0] and "Hán Nôm" in texts[1] and "Tràng An" in texts[2]


def test_han_nom_collection_is_ocred_with_traditional_chinese(record, network, tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    from thuvien.digital.models import Collection
    from thuvien.digital.ocr import installed_languages

    font_path = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
    if "chi_tra" not in installed_languages() or not Path(font_path).is_file():
        pytest.skip("tesseract-ocr-chi-tra or fonts-droid-fallback is not installed (make system-deps)")
    image = Image.new("L", (900, 300), 255)
    font = ImageFont.truetype(font_path, 48)
    ImageDraw.Draw(image).text((50, 100), "大越史記全書", font=font, fill=0)
    image.save(tmp_path / "han.png")
    han_nom = Collection.objects.create(code="NB-HANNOM", name="Hán Nôm", kind="han_nom", library=network["NB-TVT"])
    obj = ingest([tmp_path / "han.png"], record, collection=han_nom, wait=True).object
    assert "大越史記全書" in obj.files.get().text.replace(" ", "")
