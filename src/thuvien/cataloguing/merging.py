"""Merging two records of the same edition: the kept record gains all the other had."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog import marc, services
from thuvien.catalog.models import BibRecord, Item
from thuvien.cataloguing.description import _insert
from thuvien.cataloguing.models import RecordMerge

# Fields a record has once: the kept record's own stay.
SINGLE = {"001", "003", "005", "008", "100", "110", "111", "130", "240", "245", "250", "254",
          "255", "256", "257", "263", "300", "306", "310", "336", "337", "338"}


def can_merge(user):
    return permissions.has_capability(user, permissions.ADMINISTER)


def merged_marc(keep, other):
    """``keep``'s MARC plus every field of ``other`` it lacks, and other's 001 as an 035."""
    data = {"leader": keep["leader"], "fields": [dict(f) for f in keep.get("fields", [])]}
    present = {(next(iter(f)), repr(next(iter(f.values())))) for f in data["fields"]}
    tags = {next(iter(f)) for f in data["fields"]}
    for entry in other.get("fields", []):
        (tag, value), = entry.items()
        if tag in SINGLE and tag in tags:
            continue
        if tag.startswith("00") and tag in tags:
            continue
        if tag == "020":  # the same ISBN written another way is not a new one
            ours = {i for _, v in marc.fields(data, "020") for i in marc.subfield_values(v, "a")}
            if set(marc.subfield_values(value, "a")) & ours:
                continue
        if (tag, repr(value)) in present:
            continue
        _insert(data["fields"], tag, value)
        present.add((tag, repr(value)))
        tags.add(tag)
    number, org = marc.control(other, "001").strip(), marc.control(other, "003").strip()
    if number:
        system_number = f"({org}){number}" if org else number
        field = {"ind1": " ", "ind2": " ", "subfields": [{"a": system_number}]}
        if ("035", repr(field)) not in present:
            _insert(data["fields"], "035", field)
    return data


@transaction.atomic
def merge(actor, keep, other):
    """Move ``other``'s items and missing fields to ``keep`` and withdraw ``other``."""
    if actor is not None and not can_merge(actor):
        raise PermissionDenied
    keep = BibRecord.objects.select_for_update().get(pk=keep.pk)
    other = BibRecord.objects.select_for_update().get(pk=other.pk)
    if keep.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    if keep.is_deleted or other.is_deleted:
        raise ValidationError(_("Both records must be live to be merged."))
    if keep.visibility != other.visibility:
        # Merging would publish a restricted record's fields, or restrict a public one.
        raise ValidationError(_("A restricted record can only be merged with another restricted record."))
    Item.objects.filter(record=other).update(record=keep)
    services.update_record(keep, merged_marc(keep.marc, other.marc))
    services.withdraw_record(other)
    RecordMerge.objects.filter(kept=other).update(kept=keep)  # earlier merges follow along
    RecordMerge.objects.create(merged=other, kept=keep, merged_by=actor)
    return keep


def current_record(record):
    """The live record a (possibly merged) record now lives on."""
    seen = set()
    while record.is_deleted and record.pk not in seen:
        seen.add(record.pk)
        link = RecordMerge.objects.filter(merged=record).select_related("kept").first()
        if link is None:
            break
        record = link.kept
    return record
