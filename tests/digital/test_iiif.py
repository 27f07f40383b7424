import io
import json

import jsonschema
import pytest

FIXTURES = "iiif/presentation-validator/fixtures/3"


@pytest.fixture(scope="module")
def validator():
    from tests.conftest import TESTDATA

    schema = json.loads((TESTDATA / "schemas/iiif_presentation_3_0.schema.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("name", ["full_example.json", "rightsstatement_license.json", "choice.json"])
def test_validator_accepts_valid_fixtures(validator, testdata, name):
    assert not list(validator.iter_errors(json.loads((testdata / FIXTURES / name).read_text())))


@pytest.mark.parametrize("name", ["broken_simple_image.json", "non_cc_license.json", "old_format_label.json"])
def test_validator_rejects_broken_fixtures(validator, testdata, name):
    assert list(validator.iter_errors(json.loads((testdata / FIXTURES / name).read_text())))


def test_manifest_validates_and_links_back(client, digitise, validator, record):
    obj = digitise("open")
    response = client.get(f"/iiif/manifest/{obj.pk}.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert "private" in response["Cache-Control"]  # pages shown differ by visitor
    manifest = response.json()
    errors = [e.message for e in validator.iter_errors(manifest)]
    assert not errors, errors
    assert manifest["label"]["vi"] == ["Địa chí Ninh Bình"]
    assert set(manifest["requiredStatement"]["label"]) == {"vi", "en"}
    assert manifest["requiredStatement"]["label"]["vi"] != manifest["requiredStatement"]["label"]["en"]
    assert manifest["rights"].startswith(("http://creativecommons.org/", "http://rightsstatements.org/"))
    assert manifest["homepage"][0]["id"].endswith(f"/record/{record.pk}")
    assert len(manifest["items"]) == 2
    canvas = manifest["items"][0]
    service = canvas["items"][0]["items"][0]["body"]["service"][0]["id"]
    image_url = canvas["items"][0]["items"][0]["body"]["id"]
    assert client.get(image_url.replace("http://testserver", "")).status_code == 200
    info = client.get(service.replace("http://testserver", "") + "/info.json").json()
    assert info["id"] == service and info["profile"] == "level0" and info["type"] == "ImageService3"
    assert (info["width"], info["height"]) == (canvas["width"], canvas["height"])


def test_every_tile_in_info_json_is_served(client, digitise):
    """Walk the tile grid the way a viewer does and fetch every tile and size."""
    import math

    obj = digitise("open")
    page = obj.files.first()
    info = client.get(f"/iiif/3/{page.pk}/info.json").json()
    tile = info["tiles"][0]["width"]
    fetched = 0
    for scale in info["tiles"][0]["scaleFactors"]:
        step = tile * scale
        level_w, level_h = math.ceil(info["width"] / scale), math.ceil(info["height"] / scale)
        for y in range(0, info["height"], step):
            for x in range(0, info["width"], step):
                w, h = min(step, info["width"] - x), min(step, info["height"] - y)
                sw = min(tile, level_w - x // scale)
                sh = min(tile, level_h - y // scale)
                url = f"/iiif/3/{page.pk}/{x},{y},{w},{h}/{sw},{sh}/0/default.jpg"
                response = client.get(url)
                assert response.status_code == 200, url
                assert response["Content-Type"] == "image/jpeg"
                assert response["Cache-Control"].startswith("public")
                fetched += 1
    for size in info["sizes"]:
        assert client.get(f"/iiif/3/{page.pk}/full/{size['width']},{size['height']}/0/default.jpg").status_code == 200
    assert fetched > 4
    assert client.get(f"/iiif/3/{page.pk}/full/max/0/default.jpg").status_code == 200


def _image(response):
    from PIL import Image

    data = b"".join(response.streaming_content) if response.streaming else response.content
    return Image.open(io.BytesIO(data))


@pytest.fixture
def open_page(digitise):
    return digitise("open").files.order_by("order").first()


def test_info_json_declares_what_is_rendered_beyond_the_static_files(client, open_page):
    info = client.get(f"/iiif/3/{open_page.pk}/info.json").json()
    largest = max(s["width"] * s["height"] for s in info["sizes"])
    assert info["maxArea"] == largest and info["profile"] == "level0"
    assert {"regionByPct", "sizeByW", "rotationBy90s", "mirroring"} <= set(info["extraFeatures"])
    assert info["extraFormats"] == ["png"] and "gray" in info["extraQualities"]


# request -> (width, height, mode) of the answer, for a page of 874×1240 px
RENDERED = {
    "full/200,/0/default.jpg": (200, 284, "RGB"),
    "full/,300/0/default.jpg": (211, 300, "RGB"),
    "full/pct:10/0/default.jpg": (87, 124, "RGB"),
    "full/!300,300/0/default.jpg": (211, 300, "RGB"),
    "full/!3000,3000/0/default.jpg": (874, 1240, "RGB"),  # confined, never enlarged without ^
    "full/^!1000,1000/0/default.jpg": (705, 1000, "RGB"),
    "square/100,100/0/default.jpg": (100, 100, "RGB"),
    "10,20,100,50/max/0/default.jpg": (100, 50, "RGB"),
    "800,1200,500,500/max/0/default.jpg": (74, 40, "RGB"),  # clipped to the image
    "pct:0,0,50,50/max/0/default.jpg": (437, 620, "RGB"),
    "0,0,1,1/1,1/0/default.jpg": (1, 1, "RGB"),
    "full/200,/90/default.jpg": (284, 200, "RGB"),
    "full/200,/!180/default.jpg": (200, 284, "RGB"),
    "full/200,/0/gray.jpg": (200, 284, "L"),
    "full/200,/0/bitonal.png": (200, 284, "L"),
    "full/200,/0/default.png": (200, 284, "RGB"),
}


@pytest.mark.parametrize("url", list(RENDERED))
def test_requests_beyond_the_static_files_are_rendered(client, open_page, url):
    assert (open_page.width, open_page.height) == (874, 1240)
    response = client.get(f"/iiif/3/{open_page.pk}/{url}")
    assert response.status_code == 200, response.content
    image = _image(response)
    assert (image.width, image.height, image.mode) == RENDERED[url]
    assert response["Content-Type"] == ("image/png" if url.endswith(".png") else "image/jpeg")
    if "bitonal" in url:
        assert {i for i, n in enumerate(image.histogram()) if n} <= {0, 255}


def test_rendered_answers_show_the_page(client, open_page):
    """A rendered size looks like the static one; a mirrored one is its mirror image."""
    from PIL import ImageChops, ImageOps, ImageStat

    rendered = _image(client.get(f"/iiif/3/{open_page.pk}/full/300,/0/default.jpg")).convert("L")
    mirrored = _image(client.get(f"/iiif/3/{open_page.pk}/full/300,/!0/default.jpg")).convert("L")
    static = _image(client.get(f"/iiif/3/{open_page.pk}/full/437,620/0/default.jpg")).convert("L").resize(rendered.size)
    def diff(a, b):
        return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]

    assert diff(static, rendered) < 0.5
    assert diff(ImageOps.mirror(static), mirrored) < 0.5
    assert diff(static, mirrored) > 1  # text is not symmetric


def test_full_resolution_regions_come_from_the_original(client, record, network, tmp_path):
    """A page wider than the largest made size: a region at 100 % is cut from the original."""
    from PIL import Image, ImageChops, ImageStat

    from thuvien.digital.ingest import ingest
    from thuvien.digital.samples import page_image

    source = page_image("Tràng An và Tam Cốc", tmp_path / "large.png", size=(2400, 1000), font_size=80)
    page = ingest([source], record, library=network["NB-KS"]).object.files.get()
    response = client.get(f"/iiif/3/{page.pk}/100,100,600,200/600,200/0/default.png")
    assert response.status_code == 200
    expected = Image.open(source).convert("L").crop((100, 100, 700, 300))
    assert ImageStat.Stat(ImageChops.difference(expected, _image(response).convert("L"))).mean[0] < 2


@pytest.mark.parametrize("bad,status", [
    ("a,b,c,d/max/0/default.jpg", 400), ("full/abc/0/default.jpg", 400), ("0,0,512,512/x,y/0/default.jpg", 400),
    ("0,0,0,10/max/0/default.jpg", 400), ("5000,0,10,10/max/0/default.jpg", 400),
    ("pct:0,0,0,50/max/0/default.jpg", 400), ("full/,/0/default.jpg", 400), ("full/!200,/0/default.jpg", 400),
    ("full/1000,/0/default.jpg", 400),  # larger than the region without ^
    ("full/pct:150/0/default.jpg", 400), ("full/200,/400/default.jpg", 400), ("full/200,/-90/default.jpg", 400),
    ("full/200,/0/sepia.jpg", 400), ("full/200,/0/default.bmp", 400), ("full/200,/0/default", 400),
    ("full/200,/0/default.gif", 501), ("full/200,/0/default.tif", 501),
    ("full/^3000,/0/default.jpg", 404),  # above maxArea
    ("../../../etc/passwd", 404), ("0,0,512,512/..%2F..%2F/0/default.jpg", 404),
])
def test_bad_image_requests_get_the_iiif_error_status(client, open_page, bad, status):
    response = client.get(f"/iiif/3/{open_page.pk}/{bad}")
    assert response.status_code == status
    if status in (400, 501):
        assert response["Content-Type"].startswith("text/plain") and len(response.content) > 10


def test_unknown_page_is_404(client, db):
    assert client.get("/iiif/3/999999/full/200,/0/default.jpg").status_code == 404


def test_search_inside_gives_hit_boxes_from_word_positions(client, digitise):
    obj = digitise("open")
    answer = client.get(f"/iiif/search/{obj.pk}", {"q": "han nom"}).json()  # folded query
    assert answer["type"] == "AnnotationPage" and answer["id"].endswith(f"/iiif/search/{obj.pk}?q=han+nom")
    assert len(answer["items"]) == 1
    hit = answer["items"][0]
    assert hit["motivation"] == "highlighting" and hit["body"]["value"] == "Hán Nôm"
    canvas, box = hit["target"].split("#xywh=")
    assert canvas.endswith(f"/iiif/canvas/{obj.pk}/p2")
    x, y, w, h = map(int, box.split(","))
    page = obj.files.get(order=2)
    assert 0 <= x < page.width and 0 <= y < page.height and w > 20 and 5 < h < 80
    assert client.get(f"/iiif/search/{obj.pk}", {"q": "không có"}).json()["items"] == []


def test_ocr_text_and_download(client, digitise, samples):
    obj = digitise("open")
    page = obj.files.get(order=1)
    text = client.get(f"/digital/file/{page.pk}/text")
    assert "Đinh Bộ Lĩnh" in text.content.decode()
    download = client.get(f"/digital/file/{page.pk}/download")
    assert b"".join(download.streaming_content) == (samples / "born.pdf").read_bytes()
    assert "attachment" in download["Content-Disposition"]


def test_downloads_can_be_watermarked(client, digitise, settings, staff, samples):
    import io

    from PIL import Image

    settings.DIGITAL_WATERMARK = "Thư viện huyện Kim Sơn"
    obj = digitise("open")
    page = obj.files.get(order=1)
    response = client.get(f"/digital/file/{page.pk}/download")
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (page.width, page.height)
    band = image.convert("L").crop((0, page.height * 3 // 4, page.width, page.height - 10))
    assert band.getextrema()[0] < 200  # grey lettering where the page is blank paper
    client.force_login(staff["kimson_catalog"])  # digitisers get the original
    original = client.get(f"/digital/file/{page.pk}/download")
    assert b"".join(original.streaming_content) == (samples / "born.pdf").read_bytes()


def test_dublin_core_is_valid_oai_dc_and_access_checked(client, digitise, testdata, record):
    import xmlschema

    obj = digitise("open")
    response = client.get(f"/digital/{obj.pk}/dc.xml")
    schema = xmlschema.XMLSchema(str(testdata / "schemas/oai_dc.xsd"))
    text = response.content.decode()
    schema.validate(text)
    assert "<dc:title>Địa chí Ninh Bình</dc:title>" in text and "<dc:creator>Nguyễn Văn Trác</dc:creator>" in text
    assert f"/iiif/manifest/{obj.pk}.json</dc:identifier>" in text
    obj.access = "staff"
    obj.save()
    assert client.get(f"/digital/{obj.pk}/dc.xml").status_code == 404


def test_missing_files_on_disk_answer_404_not_500(client, digitise):
    import shutil

    from thuvien.digital.models import media_path

    obj = digitise("open")
    page = obj.files.first()
    shutil.rmtree(media_path(page.iiif_dir))
    assert client.get(f"/iiif/3/{page.pk}/info.json").status_code == 404
    assert client.get(f"/iiif/3/{page.pk}/full/max/0/default.jpg").status_code == 404
    assert client.get(f"/iiif/3/{page.pk}/0,0,512,512/512,512/0/default.jpg").status_code == 404


def test_dublin_core_and_manifest_follow_the_marc_record(client, digitise, record):
    """The object has no description of its own: an edit of the MARC record shows at once."""
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record

    obj = digitise("open")
    obj.label = ""
    obj.donor, obj.provenance_note = "Dòng họ Phạm", "Gia đình gìn giữ từ thế kỷ XIX"
    obj.donated_on = __import__("datetime").date(2023, 3, 8)
    obj.save()
    services.update_record(record, marc_record(title="Địa chí Ninh Bình (tái bản)", authors=["Trương Đình Tưởng"],
                                               year=2010, subjects=["Ninh Bình -- Địa lý"], publisher="Nxb. Chính trị"))
    dc = client.get(f"/digital/{obj.pk}/dc.xml").content.decode()
    assert "<dc:title>Địa chí Ninh Bình (tái bản)</dc:title>" in dc
    assert "<dc:creator>Trương Đình Tưởng</dc:creator>" in dc and "<dc:date>2010</dc:date>" in dc
    assert "<dc:subject>Ninh Bình -- Địa lý</dc:subject>" in dc and "<dc:publisher>Nxb. Chính trị</dc:publisher>" in dc
    assert "<dc:contributor>Dòng họ Phạm</dc:contributor>" in dc
    manifest = client.get(f"/iiif/manifest/{obj.pk}.json").json()
    assert manifest["label"]["vi"] == ["Địa chí Ninh Bình (tái bản)"]
    values = {m["label"]["en"][0]: m["value"] for m in manifest["metadata"]}
    assert values["Date given"] == {"none": ["2023-03-08"]}
    assert values["Provenance"] == {"none": ["Gia đình gìn giữ từ thế kỷ XIX"]}
    assert {m["label"]["vi"][0] for m in manifest["metadata"]} >= {"Ngày tặng/nộp", "Nguồn gốc"}
    viewer = client.get(f"/digital/{obj.pk}/").content.decode()
    assert "Dòng họ Phạm" in viewer and "Gia đình gìn giữ từ thế kỷ XIX" in viewer and 'rel="license"' in viewer
