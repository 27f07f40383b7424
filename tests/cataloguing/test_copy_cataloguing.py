"""Copy cataloguing: union catalogue and an SRU server (real yaz-ztest answers over loopback)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from thuvien.catalog.models import BibRecord, Item
from thuvien.cataloguing import sru
from thuvien.cataloguing.models import SruServer

from .conftest import isbn

pytestmark = pytest.mark.django_db


@pytest.fixture
def yaz_server(testdata):
    """A loopback HTTP server answering as yaz-ztest did (body and Content-Type from the samples)."""
    folder = testdata / "sru" / "yaz-ztest-responses"
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            params = parse_qs(urlparse(self.path).query)
            seen.append(params)
            name = "searchRetrieve_v1.2_marcxml"
            if params.get("query") == ['"(cat or"']:
                name = "diag_unsupported_version"
            if params.get("query") == ['"schema"']:
                name = "diag_unknown_schema"
            if params.get("query") == ['"nothing"']:
                name = "searchRetrieve_v1.2_startRecord_beyond"
            body = (folder / f"{name}.xml").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/Default", seen
    server.shutdown()
    server.server_close()


def test_sru_client_reads_marcxml_and_diagnostics(yaz_server):
    url, seen = yaz_server
    found = sru.search(url, "computer")
    assert seen[-1]["version"] == ["1.2"] and seen[-1]["operation"] == ["searchRetrieve"]
    assert seen[-1]["recordSchema"] == ["marcxml"] and seen[-1]["query"] == ['"computer"']
    assert found.total == 3 and len(found.records) == 2
    record = found.records[0]
    assert record["leader"] == "00366nam a22001698a 4500"
    assert {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "How to program a computer"}]}} in record["fields"]
    with pytest.raises(sru.SruError, match="Unsupported version"):
        sru.search(url, "(cat or")
    with pytest.raises(sru.SruError, match="System error in retrieving records"):
        sru.search(url, "schema")
    with pytest.raises(sru.SruError, match="First record position out of range"):
        sru.search(url, "nothing")
    with pytest.raises(sru.SruError):
        sru.search("http://127.0.0.1:9/none", "x")  # nothing listens there


def test_copy_search_finds_local_and_external_then_imports_and_attaches(login, network, make_record, yaz_server):
    url, _ = yaz_server
    SruServer.objects.create(name="yaz-ztest", url=url)
    make_record("Computer basics for libraries", authors=["Trần, Tin"], copies=[network["NB-TVT"]])
    client = login("kimson_catalog")
    page = client.get("/staff/catalog/copy/", {"q": "computer"}).content.decode()
    assert "Computer basics for libraries" in page  # the union catalogue
    assert "How to program a computer" in page and "yaz-ztest" in page  # the SRU server
    # Import the external record as a new record.
    form_json = page.split('name="marc" value="')[1].split('"')[0]
    import html

    data = json.loads(html.unescape(form_json))
    response = client.post("/staff/catalog/copy/import/", {"marc": json.dumps(data), "source": "sru:yaz"})
    record = BibRecord.objects.get(title="How to program a computer")
    assert response["Location"] == f"/staff/catalog/records/{record.pk}/"
    assert record.marc["leader"] == "00366nam a22001698a 4500" and record.authors == ["Jack Collins"]
    assert record.identifiers.filter(kind="control", value="DLC|11224466").exists()
    # The same record again: already catalogued, so the page offers to add copies instead.
    response = client.post("/staff/catalog/copy/import/", {"marc": json.dumps(data)})
    assert response["Location"] == f"/staff/catalog/records/{record.pk}/"
    assert BibRecord.objects.filter(title="How to program a computer").count() == 1
    page = client.get("/staff/catalog/copy/", {"q": "computer"}).content.decode()
    assert f"/staff/catalog/records/{record.pk}/items/add/" in page
    # Attach holdings: a copy for Kim Sơn.
    client.post(f"/staff/catalog/records/{record.pk}/items/add/",
                {"library": network["NB-KS"].pk, "barcode": "KS-SRU-1", "status": "available"})
    assert Item.objects.get(barcode="KS-SRU-1").record == record


def test_forged_import_is_refused(login, network):
    client = login("kimson_catalog")
    client.post("/staff/catalog/copy/import/", {"marc": "not json"})
    client.post("/staff/catalog/copy/import/", {"marc": json.dumps({"leader": "x", "fields": [{"24": "y"}]})})
    assert not BibRecord.objects.exists()


def test_only_administrators_configure_servers(login, network):
    assert login("kimson_catalog").post("/staff/catalog/sru-servers/", {"name": "a", "url": "http://x/"}).status_code == 403
    login("admin").post("/staff/catalog/sru-servers/", {"name": "LC", "url": "http://lx2.loc.gov:210/LCDB"})
    assert SruServer.objects.get().name == "LC"


@pytest.mark.django_db(transaction=True)
def test_copy_cataloguing_from_our_own_sru_server(login, network, make_record, live_server):
    """Another thuvien network (here: our own /sru, live) is one more SRU server to copy from."""
    shared = make_record("Địa chí Ninh Bình", authors=["Trần, Văn Tuấn"], isbns=[isbn(50)], year=2010,
                         copies=[network["NB-TVT"]])
    hidden = make_record("Địa chí mật", authors=["Trần, Văn Tuấn"])
    BibRecord.objects.filter(pk=hidden.pk).update(visibility="staff")
    from thuvien.catalog import services

    services.update_record(BibRecord.objects.get(pk=hidden.pk), hidden.marc)  # re-indexed as restricted
    SruServer.objects.create(name="Mạng thư viện tỉnh bạn", url=live_server.url + "/sru")
    client = login("kimson_catalog")
    for query in ("dia chi ninh binh", isbn(50), "978-604-" + isbn(50)[6:]):
        page = client.get("/staff/catalog/copy/", {"q": query}).content.decode()
        external = page.split("Mạng thư viện tỉnh bạn")[1]
        assert "Địa chí Ninh Bình" in external and "Địa chí mật" not in external  # restricted stays home
        # Already in our union catalogue: the page offers to add copies, not to type it again.
        assert f"/staff/catalog/records/{shared.pk}/items/add/" in external
    found = sru.search(live_server.url + "/sru", isbn(50))
    assert found.total == 1 and marc_title(found.records[0]) == "Địa chí Ninh Bình"


def marc_title(data):
    from thuvien.catalog import marc

    return marc.title_of(data)


def test_broken_server_settings_never_break_the_page(login, network):
    admin = login("admin")
    for url in ("http://", "http://exa mple/sru", "ftp://example.org/", "javascript:alert(1)", "x" * 600):
        page = admin.post("/staff/catalog/sru-servers/", {"name": "Sai", "url": url}).content.decode()
        assert "Hãy nhập tên và địa chỉ" in page
    assert not SruServer.objects.exists()
    assert admin.post("/staff/catalog/sru-servers/", {"delete": "abc"}).status_code == 302
    # A bad address saved before (or by hand) gives a message on the page, not an error.
    SruServer.objects.create(name="Hỏng", url="http://exa mple/sru")
    SruServer.objects.create(name="Không ai nghe", url="http://127.0.0.1:9/sru")
    page = login("kimson_catalog").get("/staff/catalog/copy/", {"q": "sách"})
    assert page.status_code == 200 and page.content.decode().count("Máy chủ không trả lời") == 2
