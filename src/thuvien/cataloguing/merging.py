"""Merging two records of the same edition: the kept record gains all the other had.

Everything that points at the merged-away record moves to the kept one (copies, holds,
requests, digital objects and whatever else a later app hangs on a record), except:
its identifiers, which the kept record carries in its MARC (020/022/010, and its
001/003 as an 035, which matching reads); the merge links; and the harvester's link,
so that a harvest never overwrites the merged record with one source's version.
The merged-away record stays, withdrawn: harvesters see it deleted, its pages redirect.
"""

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.accounts import permissions
from thuvien.catalog import marc, services
from thuvien.catalog.models import BibRecord
from thuvien.cataloguing.description import _insert
from thuvien.cataloguing.models import RecordMerge

# Fields a record has once: the kept record's own stay.
SINGLE = {"001", "003", "005", "008", "240", "245", "250", "254", "255", "256", "257", "263", "300",
          "306", "310", "336", "337", "338"}
MAIN_ENTRY = {"100": "700", "110": "710", "111": "711", "130": "730"}
# Links that stay on the merged-away record (app label, model name).
STAYING = {("catalog", "recordidentifier"), ("cataloguing", "recordmerge"), ("interop", "harvestedrecord")}
# What a library owns: moving it needs the right to catalogue in that library.
OWNED = (("catalog", "Item"), ("digital", "DigitalObject"))
CLASH_NAMES = {"digitisationitem": gettext_lazy("digitisation project")}


def can_merge(user):
    return permissions.has_capability(user, permissions.CATALOGUE)


def _value(entry):
    return next(iter(entry.values()))


def merged_marc(keep, other):
    """``keep``'s MARC plus every field of ``other`` it lacks, and other's 001 as an 035."""
    data = {"leader": keep["leader"], "fields": [dict(f) for f in keep.get("fields", [])]}
    present = {(next(iter(f)), repr(_value(f))) for f in data["fields"]}
    tags = {next(iter(f)) for f in data["fields"]}

    def add(tag, value):
        if (tag, repr(value)) not in present:
            _insert(data["fields"], tag, value)
            present.add((tag, repr(value)))
            tags.add(tag)

    for entry in other.get("fields", []):
        (tag, value), = entry.items()
        if tag.startswith("00") and tag in tags:
            continue
        if tag == "245" and "245" in tags:
            if marc.title_of({"fields": [entry]}) != marc.title_of(data):  # found by its other title too
                kept = [{c: marc.clean(t)} for sf in value.get("subfields", []) for c, t in sf.items()
                        if c in "abnp" and marc.clean(t)]
                for n, sf in enumerate(kept[:-1]):  # ISBD: "Title : subtitle"
                    if "b" in kept[n + 1]:
                        kept[n] = {c: t + " :" for c, t in sf.items()}
                if kept:
                    add("246", {"ind1": "1", "ind2": " ", "subfields": kept})
            continue
        if tag in MAIN_ENTRY and tags & set(MAIN_ENTRY):  # one main entry: the other's is an added entry
            if marc.authors_of({"fields": [entry]})[:1] != marc.authors_of(data)[:1] or tag not in tags:
                add(MAIN_ENTRY[tag], value)
            continue
        if tag in SINGLE and tag in tags:
            continue
        if tag == "010" and "010" in tags:  # one LCCN: the other's is kept as $z
            ours = set(marc.subfield_values(_first(data, "010"), "az"))
            extra = [{"z": t} for t in marc.subfield_values(value, "az") if t not in ours]
            if extra:
                index = next(i for i, f in enumerate(data["fields"]) if "010" in f)
                old = data["fields"][index]["010"]
                data["fields"][index] = {"010": {**old, "subfields": old["subfields"] + extra}}
            continue
        if tag == "020":  # the same ISBN written another way is not a new one
            ours = {i for _, v in marc.fields(data, "020") for i in marc.subfield_values(v, "a")}
            if set(marc.subfield_values(value, "a")) & ours:
                continue
        add(tag, value)
    number, org = marc.control(other, "001").strip(), marc.control(other, "003").strip()
    if number:
        add("035", {"ind1": " ", "ind2": " ", "subfields": [{"a": f"({org}){number}" if org else number}]})
    return data


def _first(data, tag):
    return next((v for t, v in marc.fields(data, tag)), {"subfields": []})


def _links():
    """(model, field name) of every foreign key to BibRecord that moves with a merge."""
    for relation in BibRecord._meta.get_fields(include_hidden=True):  # related_name="+" ones too
        if not relation.auto_created or relation.concrete:
            continue
        model = relation.related_model
        if (model._meta.app_label, model._meta.model_name) in STAYING:
            continue
        if isinstance(relation.field, models.ForeignKey) and not relation.field.one_to_one:
            yield model, relation.field.name


def _unique_clashes(keep, other):
    """Messages for rows that cannot move because the kept record already has their twin."""
    clashes = []
    for model, name in _links():
        groups = [tuple(u) for u in model._meta.unique_together]
        groups += [tuple(c.fields) for c in model._meta.constraints
                   if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None]
        for group in groups:
            if name not in group or len(group) < 2:
                continue
            rest = [f for f in group if f != name]
            theirs = set(model.objects.filter(**{name: other}).values_list(*rest))
            if theirs & set(model.objects.filter(**{name: keep}).values_list(*rest)):
                what = CLASH_NAMES.get(model._meta.model_name) or model._meta.verbose_name
                clashes.append(_("Both records are already in the same %(what)s; remove one of them from it first.")
                               % {"what": what})
    return clashes


def _refused_libraries(actor, other):
    """Names of the libraries whose copies or digital objects would move without the actor's right."""
    allowed = permissions.library_ids_for(actor, permissions.CATALOGUE)
    if allowed is None:
        return []
    names = set()
    for label, name in OWNED:
        model = apps.get_model(label, name)
        found = model.objects.filter(record=other).exclude(library_id__in=allowed)
        names.update(found.values_list("library__name", flat=True).distinct())
    return sorted(names)


@transaction.atomic
def merge(actor, keep, other):
    """Move everything of ``other`` to ``keep`` and withdraw ``other``. ``actor`` None: the system."""
    if actor is not None and not can_merge(actor):
        raise PermissionDenied(_("You may not merge records."))
    if keep.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    # Locked in id order, so two merges of the same pair cannot deadlock.
    locked = BibRecord.objects.select_for_update().in_bulk([keep.pk, other.pk])
    if len(locked) != 2:
        raise ValidationError(_("Both records must be live to be merged."))
    keep, other = locked[keep.pk], locked[other.pk]
    if keep.is_deleted or other.is_deleted:
        raise ValidationError(_("Both records must be live to be merged."))
    if keep.visibility != other.visibility:
        # Merging would publish a restricted record's fields, or restrict a public one.
        raise ValidationError(_("A restricted record can only be merged with another restricted record."))
    if actor is not None:
        refused = _refused_libraries(actor, other)
        if refused:
            raise PermissionDenied(
                _("Record %(id)s holds copies or digital documents of %(libraries)s, which you may not move. "
                  "Keep that record instead, or ask a cataloguer of that library.")
                % {"id": other.pk, "libraries": ", ".join(refused)})
    clashes = _unique_clashes(keep, other)
    if clashes:
        raise ValidationError(clashes)
    for model, name in _links():
        model.objects.filter(**{name: other}).update(**{name: keep})
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
