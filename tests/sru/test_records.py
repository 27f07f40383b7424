"""MARCXML and Dublin Core as SRU hands them out."""

import pymarc
from lxml import etree

from thuvien.catalog.marc import record_to_json
from thuvien.interop.sru.records import marcxml


def test_marcxml_of_real_vietnamese_records_is_valid_and_lossless(testdata):
    schema = etree.XMLSchema(etree.parse(str(testdata / "schemas/MARC21slim.xsd")))
    with open(testdata / "marc/loc-sample/loc_books2016_vie.utf8.mrc", "rb") as handle:
        records = [r for r in pymarc.MARCReader(handle, to_unicode=True, force_utf8=True) if r is not None]
    assert len(records) == 121
    for record in records:
        data = record_to_json(record)
        element = marcxml(data)
        assert schema.validate(element), schema.error_log
        # Every field and subfield value comes through (in NFC).
        round_trip = pymarc.parse_xml_to_array(__import__("io").BytesIO(etree.tostring(element)))[0]
        assert record_to_json(round_trip) == data


def test_marcxml_drops_characters_xml_cannot_carry():
    data = {"leader": "00000nam a2200000 a 4500",
            "fields": [{"001": "x\x01y"}, {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "Tên\x0bsách"}]}}]}
    text = etree.tostring(marcxml(data), encoding="unicode")
    assert "<controlfield tag=\"001\">xy</controlfield>" in text and "Tênsách" in text
