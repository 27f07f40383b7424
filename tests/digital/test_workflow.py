import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from thuvien.digital import workflow
from thuvien.digital.models import Collection, Deposit, DigitalObject, DigitisationItem


@pytest.fixture
def collection(network):
    return Collection.objects.create(code="KS-DIACHI", name="Tài liệu địa chí Kim Sơn", kind="local_studies",
                                     library=network["NB-KS"])


@pytest.fixture
def project(collection, staff, network):
    return workflow.create_project(staff["kimson_catalog"], "Số hóa địa chí 2025", network["NB-KS"], collection, 10)


def test_item_moves_through_the_stages_and_can_be_sent_back(project, record, staff, samples):
    digitiser = staff["kimson_catalog"]
    [item] = workflow.select_records(digitiser, project, [record])
    workflow.advance(digitiser, item)  # selected -> scanning
    with pytest.raises(ValidationError):
        workflow.advance(digitiser, item)  # no scans yet
    workflow.upload_scans(digitiser, item, [samples / "born.pdf"])
    item.refresh_from_db()
    assert item.digital_object.files.count() == 2
    workflow.advance(digitiser, item)  # quality check
    with pytest.raises(ValidationError):
        workflow.send_back(digitiser, item, "scanning", "  ")  # a reason is required
    workflow.send_back(digitiser, item, "scanning", "Trang 2 bị mờ, quét lại")
    for _ in range(3):
        workflow.advance(digitiser, item)
    item.refresh_from_db()
    assert item.stage == "published"
    history = [(e.from_stage, e.to_stage, e.reason) for e in item.events.all()]
    assert history == [
        ("", "selected", ""), ("selected", "scanning", ""), ("scanning", "quality_check", ""),
        ("quality_check", "scanning", "Trang 2 bị mờ, quét lại"), ("scanning", "quality_check", ""),
        ("quality_check", "metadata", ""), ("metadata", "published", ""),
    ]
    [row] = workflow.progress_by_collection()
    assert (row.documents, row.digitised, row.percent, row.goal, row.remaining) == (10, 1, 10.0, 7, 6)


def test_staff_of_another_library_cannot_touch_the_project(project, record, staff, client):
    with pytest.raises(PermissionDenied):
        workflow.select_records(staff["yenmo_catalog"], project, [record])
    [item] = workflow.select_records(staff["kimson_catalog"], project, [record])
    client.force_login(staff["yenmo_catalog"])
    assert client.get(f"/staff/digital/items/{item.pk}/").status_code == 404
    assert client.post(f"/staff/digital/items/{item.pk}/advance").status_code == 404
    client.force_login(staff["kimson_desk"])  # circulation staff do not digitise
    assert client.get("/staff/digital/").status_code == 403


def test_staff_screens_queue_assign_upload_and_progress(project, record, staff, client, samples):
    client.force_login(staff["kimson_catalog"])
    response = client.post(f"/staff/digital/projects/{project.pk}/", {"record_ids": f"{record.pk}"})
    assert response.status_code == 302
    item = DigitisationItem.objects.get(project=project)
    home = client.get("/staff/digital/").content.decode()
    assert record.title in home
    client.post(f"/staff/digital/items/{item.pk}/assign", {"assignee": staff["kimson_catalog"].pk})
    assert client.get("/staff/digital/?mine=1").content.decode().count(record.title) == 1
    pages = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="image/jpeg")
             for p in sorted((samples / "pages").iterdir())][:2]
    response = client.post(f"/staff/digital/items/{item.pk}/upload", {"files": pages, "access": "open"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.stage == "scanning" and item.digital_object.files.count() == 2
    assert [f.source_name for f in item.digital_object.files.order_by("order")] == ["0001-trang-1.jpg",
                                                                                   "0002-trang-2.jpg"]
    client.post(f"/staff/digital/items/{item.pk}/advance")
    client.post(f"/staff/digital/items/{item.pk}/send-back", {"to_stage": "scanning", "reason": "Thiếu trang bìa"})
    page = client.get(f"/staff/digital/items/{item.pk}/").content.decode()
    assert "Thiếu trang bìa" in page
    progress = client.get("/staff/digital/progress/").content.decode()
    assert "<svg" in progress and "Tài liệu địa chí Kim Sơn" in progress and "70%" in progress


def test_deposit_is_reviewed_before_publication(client, network, staff, record, samples, settings):
    response = client.post("/digital/deposit/", {
        "library": network["NB-KS"].pk, "depositor": "Trường THPT Kim Sơn A", "email": "kimson@example.vn",
        "title": "Kỷ yếu 50 năm", "licence": "http://creativecommons.org/licenses/by/4.0/", "agree": "on",
        "files": [SimpleUploadedFile("ky-yeu.pdf", (samples / "born.pdf").read_bytes())],
    })
    assert response.status_code == 200 and "Kim Sơn" in response.content.decode()
    deposit = Deposit.objects.get()
    assert deposit.status == "pending" and not DigitalObject.objects.exists()
    # a non-document is refused at the door
    bad = client.post("/digital/deposit/", {
        "library": network["NB-KS"].pk, "depositor": "X", "email": "x@example.vn", "title": "X",
        "licence": "http://creativecommons.org/licenses/by/4.0/", "agree": "on",
        "files": [SimpleUploadedFile("virus.exe", b"MZ")]})
    assert bad.status_code == 200 and Deposit.objects.count() == 1
    settings.DIGITAL_DEPOSIT_MAX_BYTES = 1000
    too_big = client.post("/digital/deposit/", {
        "library": network["NB-KS"].pk, "depositor": "X", "email": "x@example.vn", "title": "X",
        "licence": "http://creativecommons.org/licenses/by/4.0/", "agree": "on",
        "files": [SimpleUploadedFile("big.pdf", (samples / "born.pdf").read_bytes())]})
    assert too_big.status_code == 200 and "MB" in too_big.content.decode() and Deposit.objects.count() == 1

    client.force_login(staff["kimson_catalog"])
    assert "Kỷ yếu 50 năm" in client.get("/staff/digital/deposits/").content.decode()
    response = client.post(f"/staff/digital/deposits/{deposit.pk}/",
                           {"action": "accept", "record_id": record.pk, "access": "open"})
    assert response.status_code == 302
    deposit.refresh_from_db()
    obj = deposit.digital_object
    assert deposit.status == "accepted" and obj.donor == "Trường THPT Kim Sơn A"
    assert obj.licence == "http://creativecommons.org/licenses/by/4.0/" and obj.files.count() == 2
    manifest = client.get(f"/iiif/manifest/{obj.pk}.json").json()
    assert any(m["value"] == {"none": ["Trường THPT Kim Sơn A"]} for m in manifest["metadata"])


def test_staff_set_object_and_page_access(client, staff, digitise):
    obj = digitise("open")
    first, second = obj.files.order_by("order")
    client.force_login(staff["yenmo_catalog"])
    assert client.get(f"/staff/digital/objects/{obj.pk}/").status_code == 404  # another library's
    client.force_login(staff["kimson_catalog"])
    assert client.get(f"/staff/digital/objects/{obj.pk}/").status_code == 200
    response = client.post(f"/staff/digital/objects/{obj.pk}/", {
        "label": "Địa chí (bản quét)", "access": "registered", "licence": obj.licence,
        f"page-{first.pk}": "", f"page-{second.pk}": "onsite"})
    assert response.status_code == 302
    obj.refresh_from_db()
    second.refresh_from_db()
    assert obj.access == "registered" and second.access == "onsite"
    client.logout()
    assert client.get(f"/iiif/3/{first.pk}/info.json").status_code == 403


def test_demo_digital_library(network, record, capsys):
    from thuvien.catalog import services
    from thuvien.digital import demo
    from thuvien.digital.models import DigitisationProject

    services.add_item(None, record, network["NB-TVT"], barcode="RARE0001", item_type="rare")
    assert demo.load(wait=False) == 3  # one local-studies document, two of the school
    assert demo.load(wait=False) == 0  # idempotent
    owners = {c.name: c.library.code for c in Collection.objects.all()}
    assert owners == {"Tài liệu địa chí Ninh Bình": "NB-TVT", "Tài liệu cổ, quý hiếm": "NB-TVT",
                      "Hán Nôm": "NB-TVT", "Tài liệu nội sinh": "NB-THPT-LVT"}
    local = DigitalObject.objects.get(record=record)
    assert local.collection.code == "NB-DIACHI" and local.files.count() == 3
    school = DigitalObject.objects.filter(collection__code="NB-NOISINH")
    assert school.count() == 2 and all(f.text_source == "pdf" for o in school for f in o.files.all())
    assert set(DigitisationItem.objects.values_list("stage", flat=True)) == {"published"}
    assert DigitisationProject.objects.count() == 2
    libraries = {row.label: (row.documents, row.digitised, row.goal) for row in workflow.progress_by_library()}
    assert libraries == {"Thư viện tỉnh Ninh Bình": (40, 1, 28),
                         "Thư viện Trường THPT chuyên Lương Văn Tụy": (6, 2, 5)}


def _offer(client, network, files, title="Kỷ yếu"):
    return client.post("/digital/deposit/", {
        "library": network["NB-KS"].pk, "depositor": "Hội Khuyến học Kim Sơn", "email": "kh@example.vn",
        "title": title, "licence": "http://creativecommons.org/licenses/by/4.0/", "agree": "on", "files": files})


def test_a_deposit_with_a_mislabelled_file_is_refused_at_the_door(client, network, samples, settings):
    from thuvien.digital.models import media_path

    response = _offer(client, network, [
        SimpleUploadedFile("ky-yeu.pdf", (samples / "born.pdf").read_bytes()),
        SimpleUploadedFile("bia.pdf", b"<html>a web page, not a PDF</html>")])
    html = response.content.decode()
    assert response.status_code == 200 and "bia.pdf" in html and "không phải là tệp PDF" in html
    assert not Deposit.objects.exists()
    deposits = media_path("digital/deposits")
    assert not deposits.exists() or not any(deposits.iterdir())


def test_staff_upload_reports_refused_scans_in_vietnamese(project, record, staff, client, samples):
    client.force_login(staff["kimson_catalog"])
    [item] = workflow.select_records(staff["kimson_catalog"], project, [record])
    bad = SimpleUploadedFile("trang-9.jpg", b"\xff\xd8\xff\xe0 cut short")
    response = client.post(f"/staff/digital/items/{item.pk}/upload", {"files": [bad], "access": "open"},
                           follow=True)
    html = response.content.decode()
    assert "Không nhập được tệp nào" in html and "trang-9.jpg" in html
    item.refresh_from_db()
    assert item.stage == "selected" and item.digital_object is None
    good = SimpleUploadedFile("trang-1.jpg", (samples / "pages" / "trang-1.jpg").read_bytes())
    bad = SimpleUploadedFile("trang-9.jpg", b"\xff\xd8\xff\xe0 cut short")
    html = client.post(f"/staff/digital/items/{item.pk}/upload", {"files": [good, bad], "access": "open"},
                       follow=True).content.decode()
    assert "1 trang" in html and "trang-9.jpg" in html
    item.refresh_from_db()
    assert item.stage == "scanning" and item.digital_object.files.count() == 1


def test_progress_page_per_collection_and_per_library(project, record, staff, client, network, make_record,
                                                      samples):
    school = Collection.objects.create(code="LVT-NOISINH", name="Tài liệu nội sinh Lương Văn Tụy",
                                       kind="institutional", library=network["NB-THPT-LVT"], target_percent=80)
    admin = staff["admin"]
    other = workflow.create_project(admin, "Kỷ yếu và đề tài", network["NB-THPT-LVT"], school, 5)
    records = [make_record(f"Đề tài {n}") for n in range(3)]
    for item in workflow.select_records(admin, other, records)[:2]:
        workflow.upload_scans(admin, item, [samples / "born.pdf"])
        for _ in range(3):
            workflow.advance(admin, item)
    client.force_login(staff["kimson_catalog"])
    html = client.get("/staff/digital/progress/").content.decode()
    assert html.count('class="progress-chart"') == 2  # a chart per collection and per library
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>([\d,.]+)%</td><td>([\d,.]+)% \((\d+)\)</td>"
                      r"<td>(\d+)</td></tr>", html)
    by_label = {r[0]: r[1:] for r in rows}
    assert by_label["Tài liệu nội sinh Lương Văn Tụy (Thư viện Trường THPT chuyên Lương Văn Tụy)"] == (
        "5", "2", "40", "80", "4", "2")
    assert by_label["Thư viện Trường THPT chuyên Lương Văn Tụy"] == ("5", "2", "40", "80", "4", "2")
    assert by_label["Thư viện huyện Kim Sơn"] == ("10", "0", "0", "70", "7", "7")


def test_digitisers_add_collections_for_their_library(client, staff, network):
    client.force_login(staff["kimson_catalog"])
    form = {"code": "KS-HANNOM", "name": "Hán Nôm Kim Sơn", "kind": "han_nom", "library": network["NB-KS"].pk,
            "target_percent": 70, "description": ""}
    assert client.post("/staff/digital/collections/", form).status_code == 302
    collection = Collection.objects.get(code="KS-HANNOM")
    assert (collection.library.code, collection.kind) == ("NB-KS", "han_nom")
    page = client.get("/staff/digital/collections/").content.decode()
    assert "Hán Nôm Kim Sơn" in page and "Thư viện huyện Kim Sơn" in page and "chỉ tiêu (%)" in page
    bad = client.post("/staff/digital/collections/", {**form, "code": "ĐỊA CHÍ"}).content.decode()
    assert "NB-DIACHI" in bad and not Collection.objects.filter(name="ĐỊA CHÍ").exists()
    # another library's digitiser can neither choose Kim Sơn nor take over its code
    client.force_login(staff["yenmo_catalog"])
    taken = client.post("/staff/digital/collections/", {**form, "library": network["NB-YM"].pk, "name": "Của Yên Mô"})
    assert taken.status_code == 200
    assert client.post("/staff/digital/collections/", form).status_code == 200  # Kim Sơn is not a choice
    collection.refresh_from_db()
    assert (collection.name, collection.library.code) == ("Hán Nôm Kim Sơn", "NB-KS")


def test_a_project_digitises_a_collection_of_its_own_library(staff, network):
    yenmo = Collection.objects.create(code="YM-DIACHI", name="Địa chí Yên Mô", library=network["NB-YM"])
    with pytest.raises(ValidationError):
        workflow.create_project(staff["admin"], "Sai thư viện", network["NB-KS"], yenmo, 10)
