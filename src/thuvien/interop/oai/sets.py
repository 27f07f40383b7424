"""OAI-PMH sets: one per library, per material type and per digital collection.

- ``library:CODE``: records with a copy (not withdrawn) at that library; ``library``
  is the union of them.
- ``type:book``, ``type:serial``, ...: records by material type; ``type`` is every record.
- ``collection:CODE``: records with an open digital object in that digital collection;
  ``collection`` is the union of them. A collection with nothing open in it (only
  restricted, on-site or registered material) is no set: not even its name is shown.

A record's datestamp moves when it enters or leaves a set (see ``signals``), so
incremental harvests of a set see the change.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
PART = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")


@dataclass
class OAISet:
    spec: str
    name: str


def _library_items(**filters):
    from thuvien.catalog.models import Item, ItemStatus

    return Item.objects.filter(record=OuterRef("pk"), **filters).exclude(status=ItemStatus.WITHDRAWN)


def _collection_objects(**filters):
    from thuvien.digital.access import public_object_filter
    from thuvien.digital.models import DigitalObject

    return DigitalObject.objects.filter(public_object_filter(), record=OuterRef("pk"), **filters)


def _open_collections():
    """The digital collections holding at least one open object of a public record."""
    from thuvien.digital.access import public_object_filter
    from thuvien.digital.models import Collection, DigitalObject

    return Collection.objects.filter(Exists(DigitalObject.objects.filter(public_object_filter(),
                                                                         collection=OuterRef("pk"))))


def all_sets():
    """Every set, in a stable order: libraries, material types, collections."""
    from thuvien.catalog.models import MaterialType
    from thuvien.network.models import Library

    found = [OAISet("library", _("Libraries"))]
    for code, name in Library.objects.order_by("code").values_list("code", "name"):
        if PART.match(code):
            found.append(OAISet(f"library:{code}", name))
    found.append(OAISet("type", _("Material types")))
    for value, label in MaterialType.choices:
        found.append(OAISet(f"type:{value}", str(label)))
    collections = list(_open_collections().order_by("code").values_list("code", "name"))
    if collections:
        found.append(OAISet("collection", _("Digital collections")))
        for code, name in collections:
            if PART.match(code):
                found.append(OAISet(f"collection:{code}", name))
    return found


def record_filter(spec):
    """A Q over BibRecord for set ``spec``, or None if there is no such set."""
    from thuvien.catalog.models import MaterialType
    from thuvien.network.models import Library

    if not spec or not SPEC.match(spec):
        return None
    kind, _sep, code = spec.partition(":")
    if ":" in code:
        return None
    if kind == "library":
        if not code:
            return Q(Exists(_library_items()))
        library_id = Library.objects.filter(code=code).values_list("pk", flat=True).first()
        return None if library_id is None else Q(Exists(_library_items(library_id=library_id)))
    if kind == "type":
        if not code:
            return Q()
        return Q(material_type=code) if code in MaterialType.values else None
    if kind == "collection":
        if not code:
            return Q(Exists(_collection_objects(collection__isnull=False))) if _open_collections().exists() else None
        collection_id = _open_collections().filter(code=code).values_list("pk", flat=True).first()
        return None if collection_id is None else Q(Exists(_collection_objects(collection_id=collection_id)))
    return None


class SetMembership:
    """The setSpecs of a page of records, read in two queries (copies, digital objects)."""

    def __init__(self):
        from thuvien.network.models import Library

        self.library_codes = {pk: code for pk, code in Library.objects.values_list("pk", "code")
                              if PART.match(code)}
        self._collection_codes = None

    def _collections(self):
        if self._collection_codes is None:
            from thuvien.digital.models import Collection

            self._collection_codes = {pk: code for pk, code in Collection.objects.values_list("pk", "code")
                                      if PART.match(code)}
        return self._collection_codes

    def of(self, records):
        """({record id: [setSpec, ...]}, {record id: [open digital object ids]}) for
        ``records``: [(id, material_type)] of live (public, not withdrawn) records."""
        from django.db import connection

        from thuvien.catalog.models import Item, ItemStatus
        from thuvien.digital.models import AccessLevel, DigitalObject

        specs, digital = {}, {}
        if not records:
            return specs, digital
        # The ids are integers read from the database: written into the SQL, they spare
        # the ORM's per-parameter work on pages of hundreds of records.
        ids = ",".join(str(int(pk)) for pk, _type in records)
        quote = connection.ops.quote_name
        libraries = defaultdict(set)
        collections = defaultdict(set)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT record_id, library_id FROM {quote(Item._meta.db_table)} "
                f"WHERE record_id IN ({ids}) AND status <> %s", [ItemStatus.WITHDRAWN.value])
            for record_id, library_id in cursor.fetchall():
                libraries[record_id].add(library_id)
            # Live records are public and not withdrawn, so an open object of theirs is public
            # (digital.access.public_object_filter).
            cursor.execute(
                f"SELECT record_id, collection_id, id FROM {quote(DigitalObject._meta.db_table)} "
                f"WHERE record_id IN ({ids}) AND access = %s ORDER BY id", [AccessLevel.OPEN.value])
            for record_id, collection_id, object_id in cursor.fetchall():
                digital.setdefault(record_id, []).append(object_id)
                if collection_id is not None:
                    collections[record_id].add(collection_id)
        codes = self.library_codes
        collection_codes = self._collections() if collections else {}
        for pk, material_type in records:
            found = specs[pk] = []
            held = libraries.get(pk)
            if held:
                found += sorted(f"library:{codes[i]}" for i in held if i in codes)
            found.append(f"type:{material_type}")
            if pk in collections:
                found += sorted(f"collection:{collection_codes[i]}" for i in collections[pk] if i in collection_codes)
        return specs, digital
