import struct
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command

from thuvien.digital.ingest import IngestError, ingest
from thuvien.digital.models import (
    DigitalFile,
    DigitalObject,
    OcrStatus,
    TextSource,
    media_path,
)


def _bomb_png(path, width=60000, height=60000):
    """A tiny PNG whose header claims an enormous image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return path


def _tiff(path, frames):
    """An uncompressed grey TIFF whose frames declare ``frames`` sizes [(w, h)] but hold
    only a few bytes each: a decompression bomb when a size is enormous."""
    entries_per_ifd = 9
    ifd_size = 2 + entries_per_ifd * 12 + 4
    data = bytearray(b"II*\x00" + struct.pack("<I", 8))
    strip = b"\x80" * 16
    offsets = [8 + n * (ifd_size + len(strip)) for n in range(len(frames))]
    for n, (width, height) in enumerate(frames):
        strip_at = offsets[n] + ifd_size
        tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, strip_at), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
        data += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            data += struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == 3
                                                          else struct.pack("<I", value))
        data += struct.pack("<I", offsets[n + 1] if n + 1 < len(frames) else 0)
        data += strip
    path.write_bytes(bytes(data))
    return path


def _vietnamese(message):
    from thuvien.core.vietnamese import fold

    return fold(message) != message.lower()


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
    from thuvien.digital.ingest import OBJECTS_DIR, SCRATCH_DIR

    fake = tmp_path / "fake.pdf"
    fake.write_text("<html>not a pdf</html>")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((samples / "pages" / "trang-1.jpg").read_bytes()[:3000])
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes((samples / "born.pdf").read_bytes()[:1500])
    bomb = _bomb_png(tmp_path / "bomb.png")
    tiff_bomb = _tiff(tmp_path / "bomb.tif", [(60000, 60000)])
    hidden_bomb = _tiff(tmp_path / "second-frame.tif", [(4, 4), (60000, 60000)])
    renamed = tmp_path / "photo.png"
    renamed.write_bytes((samples / "pages" / "trang-1.jpg").read_bytes())  # a JPEG called .png
    locked = _encrypted_pdf(samples / "born.pdf", tmp_path / "locked.pdf")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    good = samples / "pages" / "trang-2.jpg"
    files = [fake, truncated, broken_pdf, bomb, tiff_bomb, hidden_bomb, good, renamed, locked, empty, text,
             tmp_path / "missing.jpg"]
    result = ingest(files, record, library=network["NB-TVT"])
    refused = dict(result.refused)
    assert set(refused) == {f.name for f in files} - {"trang-2.jpg"}
    # clear messages in the interface language (Vietnamese by default)
    assert all(_vietnamese(message) for message in refused.values()), refused
    assert "không phải là tệp PDF" in refused["fake.pdf"]
    assert "không phải là tệp PNG" in refused["photo.png"]
    assert "mã hóa" in refused["locked.pdf"]
    assert "quá lớn" in refused["bomb.png"] or "bom" in refused["bomb.png"]
    assert "quá lớn" in refused["bomb.tif"] or "bom" in refused["bomb.tif"]
    assert "quá lớn" in refused["second-frame.tif"] or "bom" in refused["second-frame.tif"]
    assert result.pages == 1
    assert [p.source_name for p in result.object.files.all()] == ["trang-2.jpg"]
    # nothing of the refused files stays on disk, and no scratch is left behind
    stored = media_path(f"{OBJECTS_DIR}/{result.object.pk}")
    assert [p.name for p in (stored / "originals").iterdir()] == ["0007-trang-2.jpg"]
    assert [p.name for p in (stored / "pages").iterdir()] == ["0001"]
    assert not any(media_path(SCRATCH_DIR).iterdir())


def test_a_failure_while_saving_leaves_nothing_behind(samples, record, network, monkeypatch):
    """Files are built, then the database write fails: no rows, no files."""
    from thuvien.digital import ingest as ingest_module

    def broken(record_ids):
        raise RuntimeError("the disk of the search index is full")

    monkeypatch.setattr(ingest_module, "enqueue", broken)
    with pytest.raises(RuntimeError):
        ingest([samples / "pages"], record, library=network["NB-TVT"])
    assert DigitalObject.objects.count() == 0 and DigitalFile.objects.count() == 0
    assert not [p for p in media_path("digital").rglob("*") if p.is_file()]


def test_limits_are_configurable(samples, record, network, settings):
    settings.DIGITAL_MAX_PIXELS = 500 * 500
    settings.DIGITAL_PDF_DPI = 50
    result = ingest([samples / "pages" / "trang-1.jpg", samples / "born.pdf"], record, library=network["NB-TVT"])
    assert [(p.pdf_page, p.width) for p in result.object.files.all()] == [(1, 291), (2, 291)]  # small enough
    assert "trang-1.jpg" in dict(result.refused)
    settings.DIGITAL_MAX_PDF_PAGES = 1
    with pytest.raises(IngestError) as raised:
        ingest([samples / "born.pdf"], record, library=network["NB-TVT"])
    assert "quá nhiều trang" in raised.value.refused[0][1]


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


def test_cli_ingest_as_the_issue_writes_it_with_provenance(samples, make_record, network, capsys):
    """`ingest PATH… --record ID --access LEVEL`: the owner is the library holding the copies."""
    from django.core.management.base import CommandError

    record = make_record("Gia phả họ Đinh", copies=[network["NB-HL"]])
    call_command("digital", "ingest", str(samples / "pages" / "trang-1.jpg"), str(samples / "pages" / "trang-2.jpg"),
                 "--record", str(record.pk), "--access", "registered", "--donor", "Ông Đinh Văn Hòa",
                 "--donated-on", "2024-05-19", "--provenance", "Bản gốc lưu tại nhà thờ họ",
                 "--licence", "http://creativecommons.org/licenses/by-nc/4.0/")
    out = capsys.readouterr().out
    obj = DigitalObject.objects.get(record=record)
    assert "Thư viện huyện Hoa Lư" in out and f"{obj.pk}" in out
    assert (obj.library.code, obj.access, obj.files.count()) == ("NB-HL", "registered", 2)
    assert (obj.donor, str(obj.donated_on), obj.provenance_note) == (
        "Ông Đinh Văn Hòa", "2024-05-19", "Bản gốc lưu tại nhà thờ họ")
    assert obj.licence == "http://creativecommons.org/licenses/by-nc/4.0/"
    # no copies anywhere: the provincial library
    orphan = make_record("Tài liệu không có bản in")
    call_command("digital", "ingest", str(samples / "born.pdf"), "--record", str(orphan.pk), "--access", "open")
    assert DigitalObject.objects.get(record=orphan).library.code == "NB-TVT"
    # copies in two libraries: the owner must be named
    shared = make_record("Sách ở hai thư viện", copies=[network["NB-KS"], network["NB-YM"]])
    with pytest.raises(CommandError):
        call_command("digital", "ingest", str(samples / "born.pdf"), "--record", str(shared.pk))
    with pytest.raises(CommandError):
        call_command("digital", "ingest", str(samples / "born.pdf"), "--record", str(orphan.pk),
                     "--donated-on", "19/05/2024")


def test_cli_ingest_reports_refused_files_and_exits_2(samples, record, network, tmp_path, capsys):
    fake = tmp_path / "scan.pdf"
    fake.write_text("not a pdf")
    with pytest.raises(SystemExit) as exit_:
        call_command("digital", "ingest", str(fake), str(samples / "pages" / "trang-1.jpg"), "--record",
                     str(record.pk), "--library", "NB-TVT")
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert "scan.pdf" in captured.err and "không phải là tệp PDF" in captured.err
    assert DigitalObject.objects.get().files.count() == 1


def test_cli_ocr_retries_failed_pages(samples, record, network, capsys):
    obj = ingest([samples / "pages" / "trang-3.jpg"], record, library=network["NB-TVT"]).object
    obj.files.update(ocr_status=OcrStatus.FAILED)
    call_command("digital", "ocr", str(obj.pk))
    assert obj.files.get().ocr_status == OcrStatus.FAILED
    call_command("digital", "ocr", str(obj.pk), "--retry-failed")
    assert obj.files.get().ocr_status == OcrStatus.DONE and "Tràng An" in obj.files.get().text


def test_scanned_pdf_pages_are_ocred_one_by_one(record, network, tmp_path):
    """A PDF of page images has no text layer: each page waits for OCR, which reads that page."""
    from thuvien.digital.ocr import ocr_object
    from thuvien.digital.samples import TEXTS, scanned_pdf

    pdf = scanned_pdf([TEXTS[2], TEXTS[3]], tmp_path / "scan.pdf", size=(1000, 1400))
    obj = ingest([pdf], record, library=network["NB-TVT"]).object
    pages = list(obj.files.order_by("order"))
    assert [(p.pdf_page, p.ocr_status) for p in pages] == [(1, OcrStatus.PENDING), (2, OcrStatus.PENDING)]
    assert ocr_object(obj.pk) == 2
    first, second = obj.files.order_by("order")
    assert first.text_source == TextSource.OCR and "Tràng An" in first.text and "Văn Lâm" in second.text
