"""SRU fixtures: a small Vietnamese catalogue (one restricted record) and an SRU client."""

from types import SimpleNamespace

import pytest
from lxml import etree

from thuvien.catalog.identifiers import isbn13_check_digit

SRU_1 = "http://www.loc.gov/zing/srw/"
SRU_2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
NS = {"zs": SRU_1, "zs2": SRU_2, "marc": "http://www.loc.gov/MARC21/slim",
      "dc": "http://purl.org/dc/elements/1.1/", "scan": "http://docs.oasis-open.org/ns/search-ws/scan"}


def isbn(core):
    return core + isbn13_check_digit(core)


@pytest.fixture
def catalogue(make_record):
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record

    # Holdings play no part in SRU: records without copies are quicker to build.
    records = SimpleNamespace(
        history=make_record("Lịch sử Việt Nam thời kỳ đổi mới", ["Nguyễn, Văn An"], [], 1995,
                            ["Lịch sử Việt Nam"], isbns=[isbn("978604000001")]),
        cricket=make_record("Dế mèn phiêu lưu ký", ["Tô, Hoài"], [], 1941, ["Văn học thiếu nhi"],
                            isbns=[isbn("978604000002")]),
        tales=make_record("Truyện cổ tích Việt Nam", ["Trần, Thị Hoa"], [], 2010, ["Văn hóa dân gian"]),
        goats=make_record("Kỹ thuật nuôi dê", ["Lê, Văn Bình"], [], 2020, ["Chăn nuôi"]),
        gazetteer=make_record("Địa chí Ninh Bình", ["Đặng, Minh Đức"], [], 2005, ["Địa lý Việt Nam"]),
    )
    records.secret = services.create_record(
        marc_record(title="Tài liệu mật Ninh Bình lịch sử", authors=["Nguyễn, Văn An"], year=2000,
                    subjects=["Lịch sử Việt Nam"], isbns=[isbn("978604000009")]),
        visibility="staff",
    )
    return records


class SRUClient:
    def __init__(self, client):
        self.client = client

    def get(self, **params):
        response = self.client.get("/sru", params)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("text/xml")
        return etree.fromstring(response.content)

    def search(self, query, version="1.2", **params):
        return self.get(version=version, operation="searchRetrieve", query=query, **params)


@pytest.fixture
def sru(client):
    return SRUClient(client)


def diagnostics(root):
    return [(el.findtext("{*}uri"), el.findtext("{*}details")) for el in root.iter("{*}diagnostic")]


def hit_count(root):
    return int(root.findtext("{*}numberOfRecords"))


def titles(root):
    """Titles of the records in a response, from MARCXML 245$a or DC title."""
    found = []
    for data in root.iter("{*}recordData"):
        marc = data.find("marc:record", NS)
        if marc is not None:
            found.append(marc.findtext("marc:datafield[@tag='245']/marc:subfield[@code='a']", namespaces=NS)
                         .rstrip(" /.:"))
        else:
            found.append(data.find(".//dc:title", NS).text)
    return found
