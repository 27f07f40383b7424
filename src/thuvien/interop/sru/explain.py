"""The ZeeRex explain record: what this SRU server offers (indexes, schemas, limits)."""

from lxml import etree

from thuvien.interop.sru.translate import CONTEXT_SETS, INDEXES, SORT_FIELDS

ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
ZEEREX_SCHEMA = "http://explain.z3950.org/dtd/2.0/"
DEFAULT_RECORDS = 10
MAX_RECORDS = 100
DEFAULT_TERMS = 20
MAX_TERMS = 100

SCHEMAS = {
    # name -> (identifier, title, accepted spellings)
    "marcxml": ("info:srw/schema/1/marcxml-v1.1", "MARCXML (MARC 21 slim)",
                ("marcxml", "marc21", "marc", "info:srw/schema/1/marcxml-v1.1", "info:srw/schema/1/marcxml-1.1",
                 "http://www.loc.gov/marc21/slim")),
    "dc": ("info:srw/schema/1/dc-v1.1", "Dublin Core",
           ("dc", "info:srw/schema/1/dc-v1.1", "info:srw/schema/1/dc-schema", "http://purl.org/dc/elements/1.1/")),
}
INDEX_TITLES = {
    "serverchoice": ("Mọi trường", "Any field"), "anywhere": ("Mọi trường", "Any field"),
    "allrecords": ("Mọi biểu ghi", "All records"), "title": ("Nhan đề", "Title"),
    "creator": ("Tác giả", "Author"), "author": ("Tác giả", "Author"), "name": ("Tác giả", "Author"),
    "subject": ("Chủ đề", "Subject"), "identifier": ("ISBN", "ISBN"), "isbn": ("ISBN", "ISBN"),
    "date": ("Năm xuất bản", "Year of publication"), "id": ("Mã biểu ghi", "Record id"),
}


def schema_named(value):
    """The schema name ("marcxml" or "dc") for a recordSchema parameter, or None."""
    wanted = (value or "marcxml").strip().lower()
    for name, (_, _, spellings) in SCHEMAS.items():
        if wanted in spellings:
            return name
    return None


def explain_record(host, port, database, version, title):
    z = f"{{{ZEEREX_NS}}}"
    root = etree.Element(z + "explain", nsmap={None: ZEEREX_NS})
    server = etree.SubElement(root, z + "serverInfo", protocol="SRU", version=version)
    etree.SubElement(server, z + "host").text = host
    etree.SubElement(server, z + "port").text = str(port)
    etree.SubElement(server, z + "database").text = database
    info = etree.SubElement(root, z + "databaseInfo")
    etree.SubElement(info, z + "title", lang="vi", primary="true").text = title
    etree.SubElement(info, z + "title", lang="en").text = "Union catalogue"
    etree.SubElement(info, z + "description", lang="vi", primary="true").text = (
        "Mục lục liên hợp: tìm kiếm tiếng Việt có hoặc không dấu, kể cả gõ Telex/VNI.")
    etree.SubElement(info, z + "description", lang="en").text = (
        "Union catalogue; Vietnamese search with or without diacritics.")
    indexes = etree.SubElement(root, z + "indexInfo")
    for name, uris in CONTEXT_SETS.items():
        etree.SubElement(indexes, z + "set", name=name, identifier=uris[0])
    for (context, name), (kind, _) in INDEXES.items():
        index = etree.SubElement(indexes, z + "index", search="true", scan="true" if kind == "text" else "false",
                                 sort="true" if (context, name) in SORT_FIELDS else "false")
        vi, en = INDEX_TITLES.get(name, (name, name))
        etree.SubElement(index, z + "title", lang="vi").text = vi
        etree.SubElement(index, z + "title", lang="en").text = en
        mapping = etree.SubElement(index, z + "map")
        etree.SubElement(mapping, z + "name", set=context).text = name
    schemas = etree.SubElement(root, z + "schemaInfo")
    for name, (identifier, title_text, _) in SCHEMAS.items():
        schema = etree.SubElement(schemas, z + "schema", identifier=identifier, name=name,
                                  retrieve="true", sort="false")
        etree.SubElement(schema, z + "title").text = title_text
    config = etree.SubElement(root, z + "configInfo")
    etree.SubElement(config, z + "default", type="numberOfRecords").text = str(DEFAULT_RECORDS)
    etree.SubElement(config, z + "setting", type="maximumRecords").text = str(MAX_RECORDS)
    etree.SubElement(config, z + "default", type="retrieveSchema").text = SCHEMAS["marcxml"][0]
    etree.SubElement(config, z + "default", type="contextSet").text = "dc"
    etree.SubElement(config, z + "default", type="index").text = "cql.serverChoice"
    etree.SubElement(config, z + "supports", type="sort").text = " ".join(f"{c}.{n}" for c, n in SORT_FIELDS)
    etree.SubElement(config, z + "supports", type="relation").text = "= == exact adj all any <> < > <= >= within"
    etree.SubElement(config, z + "supports", type="maskingCharacter").text = "* ?"
    etree.SubElement(config, z + "supports", type="booleanOperator").text = "and or not"
    return root
