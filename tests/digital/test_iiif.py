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


@pytest.mark.parametrize("bad", ["../../../etc/passwd", "0,0,512,512/512,512/90/default.jpg",
                                 "full/max/0/default.png", "0,0,512,512/..%2F..%2F/0/default.jpg",
                                 "0,0,1,1/1,1/0/default.jpg", "a,b,c,d/max/0/default.jpg",
                                 "full/abc/0/default.jpg", "0,0,512,512/x,y/0/default.jpg",
                                 "pct:0,0,50,50/max/0/default.jpg", "full/max/0/gray.jpg?x=1"])
def test_unknown_or_hostile_image_requests_are_404(client, digitise, bad):
    page = digitise("open").files.first()
    assert client.get(f"/iiif/3/{page.pk}/{bad}").status_code == 404


def test_search_inside_gives_hit_boxes_from_word_positions(client, digitise):
    obj = digitise("open")
    answer = client.get(f"/iiif/search/{obj.pk}", {"q": "han nom"}).json()  # folded query
    assert answer["type"] == "AnnotationPage"
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
    from PIL import Image
    import io

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
