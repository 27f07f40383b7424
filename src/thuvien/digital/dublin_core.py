"""Dublin Core of a digital object: the MARC record's description plus what the object adds
(type, format, extent, rights, provenance, identifiers)."""

from lxml import etree

from thuvien.digital.models import Licence

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def elements(obj, base=""):
    """``[(element, value)]`` in Dublin Core's fifteen elements."""
    record = obj.record
    pairs = [("title", obj.label or record.title)]
    pairs += [("creator", author) for author in record.authors]
    pairs += [("subject", subject) for subject in record.subjects]
    if record.publisher:
        pairs.append(("publisher", record.publisher))
    if record.year:
        pairs.append(("date", str(record.year)))
    pairs.append(("type", "Text" if record.material_type in ("book", "serial", "manuscript") else "Image"))
    mimes = sorted(set(obj.files.values_list("mime_type", flat=True)))
    pairs += [("format", mime) for mime in mimes]
    pairs.append(("format", f"{obj.files.count()} pages"))
    if record.language:
        pairs.append(("language", record.language))
    pairs.append(("identifier", f"{base}/digital/{obj.pk}/"))
    pairs.append(("identifier", f"{base}/iiif/manifest/{obj.pk}.json"))
    pairs += [("identifier", f"urn:isbn:{isbn}") for isbn in record.isbns]
    pairs.append(("source", f"{base}/record/{record.pk}"))
    if obj.collection_id:
        pairs.append(("relation", obj.collection.name))
    pairs.append(("rights", obj.licence))
    pairs.append(("rights", str(Licence(obj.licence).label)))
    if obj.donor:
        pairs.append(("contributor", obj.donor))
    return pairs


def oai_dc_xml(obj, base=""):
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for name, value in elements(obj, base):
        etree.SubElement(root, f"{{{DC}}}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
