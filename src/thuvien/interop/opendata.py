"""Open data: downloadable dumps of the union catalogue, whole and per library.

``build()`` reads every public, live record once and writes, for the whole catalogue and for
each library holding copies, four gzip-compressed files: MARC21 (ISO 2709), MARCXML, CSV and
JSON Lines, plus ``manifest.json`` (licence, date, size and record count of each file).
Each file is written under a temporary name in the same directory and renamed into place,
so a download never sees a half-written dump; the manifest is renamed last.

Only bibliographic data leaves: restricted (``visibility="staff"``) and withdrawn records are
never read, local 9XX fields are dropped, and nothing about readers or loans is touched. A
record's digitised documents are linked (856 in MARC, ``digital`` in CSV and JSON Lines)
only when they are open to everyone (``digital.access.public_objects``); registered,
on-site, staff-only and closed ones are not even named.
"""

import contextlib
import csv
import gzip
import io
import json
import os
import re
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord, Item, ItemStatus
from thuvien.network.models import Library, LibraryType

MANIFEST = "manifest.json"
FORMATS = {
    # key: (file suffix, label, content type)
    "marc": ("mrc.gz", "MARC21 (ISO 2709)", "application/marc"),
    "marcxml": ("marcxml.xml.gz", "MARCXML", "application/marcxml+xml"),
    "csv": ("csv.gz", "CSV", "text/csv"),
    "jsonl": ("jsonl.gz", "JSON Lines", "application/x-ndjson"),
}
CSV_COLUMNS = ["id", "title", "authors", "publisher", "place", "year", "language", "material_type",
               "subjects", "isbns", "ddc", "libraries", "digital"]
DEFAULT_LICENCE = {
    "name": "CC0 1.0 Universal (Public Domain Dedication)",
    "url": "https://creativecommons.org/publicdomain/zero/1.0/",
    # In the catalogue's language first, then English: the manifest is read by people and programs.
    "statement": "Dữ liệu thư mục của mạng lưới thư viện được dành cho phạm vi công cộng theo CC0 1.0: "
                 "được tự do sao chép, sửa đổi và sử dụng, kể cả vì mục đích thương mại. "
                 "The bibliographic metadata of the library network is dedicated to the public domain under CC0 1.0.",
}
_BAD_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CHUNK = 2000


def directory():
    configured = getattr(settings, "OPENDATA_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "opendata"


def licence():
    """The licence of the dumps: OPENDATA_LICENCE over CC0. Another licence without its own
    statement gets one that names it (never CC0's words under another name)."""
    configured = {k: v for k, v in (getattr(settings, "OPENDATA_LICENCE", None) or {}).items() if v}
    terms = {**DEFAULT_LICENCE, **configured}
    if terms["name"] != DEFAULT_LICENCE["name"] and "statement" not in configured:
        terms["statement"] = (f"Dữ liệu thư mục của mạng lưới thư viện được phát hành theo giấy phép {terms['name']} "
                              f"({terms['url']}). The bibliographic metadata of the library network is published "
                              f"under {terms['name']}.")
    return terms


def public_records():
    """The records that may be published: live and public, nothing else."""
    return BibRecord.objects.filter(is_deleted=False, visibility="public")


def _clean_text(text):
    return _BAD_XML_CHARS.sub("", text)


def exported_marc(data, digital=()):
    """The MARC-in-JSON that is published: local 9XX fields dropped, control characters
    removed, an 856 for each open digital object in ``digital`` (see ``_digital_by_record``)."""
    fields = []
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        if tag.startswith("9"):
            continue
        if isinstance(value, str):
            fields.append({tag: _clean_text(value)})
        else:
            fields.append({tag: {"ind1": value.get("ind1", " "), "ind2": value.get("ind2", " "),
                                 "subfields": [{c: _clean_text(t) for c, t in sf.items()} for sf in value["subfields"]]}})
    if digital:
        at = next((i for i, entry in enumerate(fields) if next(iter(entry)) > "856"), len(fields))
        fields[at:at] = [{"856": {"ind1": "4", "ind2": "0", "subfields": [{"u": obj["url"]}] + (
            [{"3": _clean_text(obj["label"])}] if obj["label"] else [])}} for obj in digital]
    return {"leader": data.get("leader") or "", "fields": fields}


class _Dataset:
    """The four open files of one dataset, written to temporary names."""

    def __init__(self, folder, slug, label, library=None):
        self.slug, self.label, self.library = slug, label, library
        self.count = 0
        self.final, self.temp, self.streams = {}, {}, {}
        for key, (suffix, _, _) in FORMATS.items():
            name = f"{slug}.{suffix}"
            self.final[key] = folder / name
            self.temp[key] = folder / f".{name}.tmp-{os.getpid()}"
            raw = gzip.GzipFile(self.temp[key], "wb", mtime=0)
            self.streams[key] = raw if key in ("marc", "marcxml") else io.TextIOWrapper(raw, "utf-8", newline="")
        self.csv = csv.writer(self.streams["csv"])
        self.csv.writerow(CSV_COLUMNS)
        self.streams["marcxml"].write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                                      b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n')

    def write(self, row, iso, xml, json_line):
        self.count += 1
        if iso is not None:
            self.streams["marc"].write(iso)
        self.streams["marcxml"].write(xml)
        self.csv.writerow(row)
        self.streams["jsonl"].write(json_line)

    def close(self):
        self.streams["marcxml"].write(b"</collection>\n")
        for stream in self.streams.values():
            stream.close()

    def discard(self):
        for stream in self.streams.values():
            with contextlib.suppress(Exception):  # a half-written stream is thrown away anyway
                stream.close()
        for path in self.temp.values():
            path.unlink(missing_ok=True)

    def publish(self, generated_at, licence):
        entries = []
        for key, path in self.temp.items():
            os.replace(path, self.final[key])
            entries.append({
                "file": self.final[key].name, "dataset": self.slug, "label": self.label,
                "library": self.library.code if self.library else None, "format": key,
                "format_label": FORMATS[key][1], "records": self.count,
                "bytes": self.final[key].stat().st_size, "generated_at": generated_at,
                "licence": {"name": licence["name"], "url": licence["url"]},
            })
        return entries


def _libraries_by_record(ids):
    held = {}
    rows = (Item.objects.filter(record_id__in=ids).exclude(status=ItemStatus.WITHDRAWN)
            .values_list("record_id", "library_id").distinct())
    for record_id, library_id in rows:
        held.setdefault(record_id, set()).add(library_id)
    return held


def _digital_by_record(ids):
    """{record id: [{id, label, licence, url}]} of the open digital objects of ``ids``."""
    from thuvien.digital.access import public_objects

    site = getattr(settings, "SITE_URL", "")
    found = {}
    rows = (public_objects().filter(record_id__in=ids).order_by("record_id", "id")
            .values_list("record_id", "id", "label", "licence"))
    for record_id, pk, label, licence_url in rows:
        found.setdefault(record_id, []).append({"id": pk, "label": label, "licence": licence_url,
                                                "url": f"{site}/digital/{pk}/"})
    return found


def build():
    """Regenerate every dump and the manifest; returns the manifest."""
    import pymarc

    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    holding = Item.objects.filter(library=OuterRef("pk"), record__in=public_records()).exclude(
        status=ItemStatus.WITHDRAWN)
    libraries = list(Library.objects.exclude(library_type=LibraryType.NETWORK)
                     .filter(is_active=True).filter(Exists(holding)).order_by("code"))
    datasets = {None: _Dataset(folder, "all", "all")}
    for library in libraries:
        datasets[library.pk] = _Dataset(folder, f"library-{_slug(library.code)}", library.name, library)
    codes = {library.pk: library.code for library in libraries}
    skipped_iso = 0
    try:
        queryset = public_records().order_by("id").values_list(
            "id", "marc", "title", "authors", "publisher", "place", "year", "language", "material_type",
            "subjects", "isbns", "ddc")
        last = 0
        while True:
            chunk = list(queryset.filter(id__gt=last)[:CHUNK])
            if not chunk:
                break
            last = chunk[-1][0]
            held = _libraries_by_record([row[0] for row in chunk])
            digital = _digital_by_record([row[0] for row in chunk])
            for (pk, data, title, authors, publisher, place, year, language, material_type, subjects,
                 isbns, ddc) in chunk:
                library_ids = sorted(held.get(pk, ()), key=lambda i: codes.get(i, ""))
                library_codes = [codes[i] for i in library_ids if i in codes]
                objects = digital.get(pk, ())
                published = exported_marc(data, objects)
                record = marc.json_to_record(published)
                try:
                    iso = record.as_marc()
                    if len(iso) > 99999:
                        raise ValueError("record too long for ISO 2709")
                except Exception:  # noqa: BLE001 - such a record is only in the other formats
                    iso, skipped_iso = None, skipped_iso + 1
                xml = pymarc.record_to_xml(record) + b"\n"
                row = [pk, title, " ; ".join(authors or []), publisher, place, year or "", language,
                       material_type, " ; ".join(subjects or []), " ; ".join(isbns or []), ddc,
                       " ".join(library_codes), " ".join(o["url"] for o in objects)]
                line = json.dumps({
                    "id": pk, "title": title, "authors": authors, "publisher": publisher, "place": place,
                    "year": year, "language": language, "material_type": material_type,
                    "subjects": subjects, "isbns": isbns, "ddc": ddc, "libraries": library_codes,
                    "digital": list(objects), "marc": published,
                }, ensure_ascii=False) + "\n"
                for key in [None, *[i for i in library_ids if i in datasets]]:
                    datasets[key].write(row, iso, xml, line)
        for dataset in datasets.values():
            dataset.close()
    except BaseException:
        for dataset in datasets.values():
            dataset.discard()
        raise
    generated_at = timezone.now().isoformat(timespec="seconds")
    files = []
    terms = licence()
    for dataset in datasets.values():
        files.extend(dataset.publish(generated_at, terms))
    manifest = {"generated_at": generated_at, "licence": terms, "files": files,
                "records_not_in_iso2709": skipped_iso}
    temp = folder / f".{MANIFEST}.tmp-{os.getpid()}"
    temp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    os.replace(temp, folder / MANIFEST)
    keep = {entry["file"] for entry in files} | {MANIFEST}
    for path in folder.iterdir():  # dumps of libraries that no longer hold anything
        if path.is_file() and path.name not in keep and not path.name.startswith("."):
            path.unlink(missing_ok=True)
    return manifest


def _slug(code):
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-") or "x"


def manifest():
    """The manifest of the published dumps, or None before the first build."""
    try:
        return json.loads((directory() / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def published_file(name):
    """The path of a published dump called ``name`` (only names in the manifest), or None."""
    current = manifest()
    if not current or name not in {entry["file"] for entry in current["files"]}:
        return None
    path = directory() / name
    return path if path.is_file() else None
