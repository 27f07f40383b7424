"""Pages and API after the catalogue changes: live availability, withdrawn, merged, digital copies."""

from thuvien.catalog.models import Item, ItemStatus

from .conftest import batched_indexing
from .test_pages import html_of


def test_record_page_full_description_marc_and_live_holdings(vi, catalogue, network):
    record = catalogue["de_men"]
    html = html_of(vi.get(f"/record/{record.pk}/"))
    assert html.count("<h1") == 1 and "Dế Mèn phiêu lưu ký" in html
    for text in ("Tô, Hoài", "Văn học thiếu nhi", "895.9223", "Mô tả", "Nơi có sách", "Biểu ghi MARC"):
        assert text in html
    marc = html.split('class="marc"')[1]
    assert "<td>245</td><td>10</td>" in marc and '<span class="code">$a</span> Dế Mèn phiêu lưu ký' in marc
    assert "<td>LDR</td>" in marc
    holdings = html.split('id="holdings"')[1].split("</section>")[0]
    assert holdings.count('class="library-holdings"') == 3
    assert "895.9223" in holdings and "Đang cho mượn" in holdings and "Có trên giá" in holdings
    # Availability is read when the page is asked for, not from the index.
    Item.objects.filter(record=record, library=network["NB-KS"]).update(status=ItemStatus.ON_LOAN)
    holdings = html_of(vi.get(f"/record/{record.pk}/")).split('id="holdings"')[1]
    kim_son = holdings.split("Thư viện huyện Kim Sơn</a>")[1].split("</table>")[0]
    assert "còn 0/1 bản trên giá" in kim_son and "Đang cho mượn" in kim_son


def test_restricted_and_withdrawn_records_are_not_public(vi, catalogue):
    from thuvien.catalog import services

    secret = catalogue["secret"]
    assert vi.get(f"/record/{secret.pk}/").status_code == 404
    assert "Tài liệu mật" not in html_of(vi.get("/search/", {"q": "tai lieu mat"}))
    assert vi.get("/record/999999/").status_code == 404
    services.withdraw_record(catalogue["kieu"])
    response = vi.get(f"/record/{catalogue['kieu'].pk}/")
    assert response.status_code == 404 and "Không tìm thấy trang" in response.content.decode()
    assert "Truyện Kiều" not in html_of(vi.get("/search/", {"q": "truyen kieu"}))


def test_merged_record_redirects_to_the_record_it_lives_on(vi, network, make_record):
    from thuvien.cataloguing.merging import merge

    with batched_indexing():
        keep = make_record("Tắt đèn", ["Ngô, Tất Tố"], copies=[network["NB-KS"]])
        other = make_record("Tắt đèn", ["Ngô, Tất Tố"], copies=[network["NB-YM"]])
        merge(None, keep, other)
    response = vi.get(f"/record/{other.pk}/")
    assert response.status_code == 301 and response["Location"] == f"/record/{keep.pk}/"
    html = html_of(vi.get(response["Location"]))
    assert "Thư viện huyện Kim Sơn" in html and "Thư viện huyện Yên Mô" in html
    api = vi.get(f"/api/v1/records/{other.pk}")
    assert api.status_code == 404 and api.json()["merged_into"] == keep.pk
    assert vi.get(f"/api/v1/records/{keep.pk}").json()["holdings"][1]["library"] == "NB-YM"


def test_api_hides_restricted_and_withdrawn_records(client, catalogue):
    from thuvien.catalog import services

    assert client.get(f"/api/v1/records/{catalogue['secret'].pk}").status_code == 404
    assert client.get("/api/v1/search", {"q": "tai lieu mat"}).json()["total"] == 0
    services.withdraw_record(catalogue["kieu"])
    response = client.get(f"/api/v1/records/{catalogue['kieu'].pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Withdrawn", "merged_into": None}
    assert client.get("/api/v1/search", {"q": "truyen kieu"}).json()["total"] == 0


def test_api_holdings_are_live(client, catalogue, network):
    record = catalogue["de_men"]
    Item.objects.filter(record=record).update(status=ItemStatus.AVAILABLE)
    data = client.get(f"/api/v1/records/{record.pk}").json()
    assert [(h["library"], h["available"], h["total"]) for h in data["holdings"]] == [
        ("NB-KS", 1, 1), ("NB-YM", 1, 1), ("NB-TVT", 1, 1)]
    assert all(c["available"] and c["status"] == "available" for h in data["holdings"] for c in h["copies"])


def test_digital_copies_on_the_record_page_and_in_the_api(vi, catalogue, network):
    from thuvien.digital.models import DigitalObject

    record = catalogue["dia_chi"]
    obj = DigitalObject.objects.create(record=record, library=network["NB-TVT"], access="staff",
                                       label="Bản số hóa", storage_dir="digital/test")
    assert f"/iiif/manifest/{obj.pk}.json" not in html_of(vi.get(f"/record/{record.pk}/"))
    assert vi.get(f"/api/v1/records/{record.pk}").json()["digital_objects"] == []
    obj.access = "open"
    obj.save()
    assert f"/iiif/manifest/{obj.pk}.json" in html_of(vi.get(f"/record/{record.pk}/"))
    objects = vi.get(f"/api/v1/records/{record.pk}").json()["digital_objects"]
    assert [o["id"] for o in objects] == [obj.pk]
    assert objects[0]["manifest"].endswith(f"/iiif/manifest/{obj.pk}.json")


