"""Harvesting a remote OAI-PMH repository into the union catalogue.

A run lists the records changed since the source's high-water mark (``from``, in the
repository's granularity read from Identify), page by page. Each page is committed on its
own, each record in its own savepoint: records are created, updated or withdrawn through
``catalog.services``, matched on (source, OAI identifier) so that a re-harvest never
duplicates, and a record new to us is first matched against the catalogue by its
identifiers (001/003, ISBN, ISSN, LCCN) as the MARC import does, so that an edition the
network already has is not catalogued twice. A record of the catalogue's own (or of
another source) is never overwritten or withdrawn by a source.

The resumption token of the next page is saved with the page, so an interrupted run loses
nothing and the next run continues from there (or, if that token has expired, asks for the
list again from the unchanged high-water mark). The mark moves only when a whole list has
been read: it becomes the repository's responseDate of the list's first page.

Besides the incremental harvest a run can read one record (GetRecord), a date range
(``from``/``until``, the mark untouched) or reconcile deletions: a full ListIdentifiers,
after which what the repository no longer lists is withdrawn here (for repositories that
keep no deleted records).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog import marc
from thuvien.catalog import services as catalog
from thuvien.catalog.models import BibRecord
from thuvien.interop.harvest import mapping
from thuvien.interop.harvest.client import (
    NS,
    Client,
    HarvestError,
    OAIError,
    format_datestamp,
    parse_datestamp,
)
from thuvien.interop.harvest.models import (
    HarvestedRecord,
    HarvestRun,
    HarvestSource,
    MetadataPrefix,
    RunKind,
    RunState,
)

logger = logging.getLogger(__name__)
STALE_LOCK = timedelta(hours=6)
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
# What a record of a page came to: the HarvestRun counter it adds one to.
CREATED, MATCHED, UPDATED, UNCHANGED, WITHDRAWN, SKIPPED = (
    "created", "matched", "updated", "unchanged", "withdrawn", "skipped")


class AlreadyRunning(Exception):
    pass


def make_client(source, log, retries=None, timeout=None):
    return Client(
        source.base_url,
        retries=retries or getattr(settings, "HARVEST_RETRIES", 3),
        backoff=getattr(settings, "HARVEST_BACKOFF_SECONDS", 2.0),
        timeout=timeout or getattr(settings, "HARVEST_TIMEOUT_SECONDS", 60),
        log=log,
    )


# --- sources ------------------------------------------------------------------------

def add_source(name, base_url, metadata_prefix="oai_dc", set_spec="", interval_hours=24, enabled=True,
               reconcile_days=0):
    """Register a repository; raises ``ValidationError`` on bad input."""
    source = HarvestSource(
        name=(name or "").strip(), base_url=(base_url or "").strip(), metadata_prefix=metadata_prefix,
        set_spec=(set_spec or "").strip(), interval_hours=interval_hours, enabled=enabled,
        reconcile_days=reconcile_days,
    )
    source.full_clean()
    source.save()
    return source


def update_source(source, **values):
    """Change a source; raises ``ValidationError`` (and changes nothing) on bad input. A new
    URL, format or set is another list: the next run harvests it from the start."""
    fresh = HarvestSource.objects.get(pk=source.pk)
    for name, value in values.items():
        setattr(fresh, name, value.strip() if isinstance(value, str) else value)
    fresh.full_clean()
    if any(getattr(fresh, name) != getattr(source, name) for name in ("base_url", "metadata_prefix", "set_spec")):
        fresh.high_water_mark = fresh.pending_mark = None
        fresh.resume_token = fresh.resume_from = ""
    fresh.save()
    return fresh


def due_sources(now=None):
    now = now or timezone.now()
    return [s for s in HarvestSource.objects.filter(enabled=True, interval_hours__gt=0) if s.is_due(now)]


def due_reconciliations(now=None):
    now = now or timezone.now()
    return [s for s in HarvestSource.objects.filter(enabled=True, reconcile_days__gt=0) if s.reconcile_is_due(now)]


def _claim(source):
    """Mark the source as running, unless another run holds it (stale claims expire)."""
    now = timezone.now()
    claimed = HarvestSource.objects.filter(
        Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_LOCK), pk=source.pk
    ).update(running_since=now)
    if not claimed:
        raise AlreadyRunning(source.name)
    source.refresh_from_db()


# --- one record -----------------------------------------------------------------------

def _header(element):
    """(identifier, datestamp, deleted) of a <record> or a bare <header>."""
    header = element if element.tag == f"{{{NS['oai']}}}header" else element.find("oai:header", NS)
    if header is None:
        return "", "", False
    identifier = (header.findtext("oai:identifier", "", NS) or "").strip()
    datestamp = (header.findtext("oai:datestamp", "", NS) or "").strip()
    return identifier, datestamp, header.get("status") == "deleted"


def _existing_match(data):
    """The live catalogue record ``data`` is an edition of, matched as the MARC import does:
    001/003 (only with an 003: bare local numbers of two catalogues can coincide), ISBN,
    ISSN (of a serial only: the reports of one series share theirs), LCCN."""
    serial = str(data.get("leader") or "")[7:8] in ("s", "b", "i")
    pairs = [(kind, value[:128]) for kind, value in marc.identifiers_of(data)
             if not (kind == "control" and value.startswith("|")) and (kind != "issn" or serial)]
    return catalog.find_by_identifiers(pairs) if pairs else None


def _still_held(record, link):
    """Another harvested record (of this source or another) still stands for ``record``."""
    return HarvestedRecord.objects.filter(record=record, deleted=False).exclude(pk=link.pk).exists()


def _withdraw(source, link, datestamp=""):
    """The source no longer has ``link``'s record: withdraw it here if it is the source's
    own and nothing else harvested stands for it."""
    record = link.record
    outcome = UNCHANGED
    if (record is not None and record.source == source.tag and not record.is_deleted
            and not _still_held(record, link)):
        catalog.withdraw_record(record)
        outcome = WITHDRAWN
    link.deleted, link.failed = True, False
    link.datestamp = datestamp[:32] or link.datestamp
    link.save(update_fields=["deleted", "failed", "datestamp"])
    return outcome


def _live(link):
    """The record a link points to, following a staff merge to the record it lives on now."""
    record = link.record
    if record is not None and record.is_deleted and not link.deleted:
        from thuvien.cataloguing.merging import current_record

        merged_into = current_record(record)
        if merged_into.pk != record.pk and not merged_into.is_deleted:
            link.record = record = merged_into
    return record


def _apply_record(source, element, run):
    """Bring one harvested record (a <record> element) into the catalogue; its outcome
    (None: a deletion of a record never harvested here)."""
    identifier, datestamp, deleted = _header(element)
    if not identifier:
        run.log(_("A record without an identifier was skipped."))
        return SKIPPED
    identifier = identifier[:255]
    link = HarvestedRecord.objects.filter(source=source, identifier=identifier).select_related("record").first()
    record = _live(link) if link else None
    if deleted:
        return _withdraw(source, link, datestamp) if link else None  # never harvested here: nothing to do
    try:
        data = mapping.to_marc(source.metadata_prefix, identifier, element.find("oai:metadata", NS), source.name)
    except (mapping.MappingError, ValueError) as error:
        run.log(_("%(identifier)s: skipped (%(reason)s)") % {"identifier": identifier, "reason": error})
        return SKIPPED
    ours = record is not None and record.source == source.tag
    if record is None:
        record = _existing_match(data)
        if record is not None:
            outcome = MATCHED
            run.log(_("%(identifier)s: already in the catalogue as record %(id)s; linked, not copied")
                    % {"identifier": identifier, "id": record.pk})
        else:
            record = catalog.create_record(data, source=source.tag)
            outcome = CREATED
    elif not ours:
        outcome = UNCHANGED  # the catalogue's own record (or another source's): never overwritten
    elif record.is_deleted and not link.deleted:
        run.log(_("%(identifier)s: withdrawn here by staff; left withdrawn") % {"identifier": identifier})
        return SKIPPED
    elif record.marc == data and not record.is_deleted:
        outcome = UNCHANGED
    else:
        record.is_deleted = False
        catalog.update_record(record, data)
        outcome = UPDATED
    if link is None:
        link = HarvestedRecord(source=source, identifier=identifier)
    link.record, link.deleted, link.failed, link.datestamp = record, False, False, datestamp[:32]
    link.save()
    return outcome


def _apply_page(source, records, run):
    """Every record of a page, each in its own savepoint: one that fails is skipped and
    reported, the others are kept."""
    for element in records:
        try:
            with transaction.atomic():
                outcome = _apply_record(source, element, run)
        except (DatabaseError, ValidationError) as error:
            identifier = _header(element)[0][:255]
            run.log(_("%(identifier)s: skipped (%(reason)s)") % {"identifier": identifier or "?", "reason": error})
            outcome = SKIPPED
            if identifier:  # asked for again after the next list (``_retry_failed``)
                HarvestedRecord.objects.update_or_create(source=source, identifier=identifier,
                                                         defaults={"failed": True})
        if outcome:
            setattr(run, outcome, getattr(run, outcome) + 1)


# --- runs -----------------------------------------------------------------------------

def _identify(client, source, run):
    """The repository's granularity (and what it says of itself, kept on the source)."""
    try:
        about = client.identify()
    except HarvestError as error:
        run.log(f"Identify failed ({error}); using {source.granularity or DAY}")
        return source.granularity or DAY
    granularity = about["granularity"] if about["granularity"] in (DAY, SECONDS) else DAY
    values = {"granularity": granularity, "repository_name": about["name"][:255],
              "deleted_record": about["deleted_record"][:12]}
    if any(getattr(source, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(source, name, value)
        source.save(update_fields=list(values))
    return granularity


def run_harvest(source, client=None, *, window=None, identifier=None, reconcile=False):
    """Run ``source`` once and return its ``HarvestRun`` (never raises on remote failures).

    By default an incremental harvest; ``window=(from, until)`` harvests that date range
    (either may be None) without moving the mark; ``identifier`` reads that one record;
    ``reconcile`` withdraws what the repository no longer lists.
    """
    _claim(source)
    kind = (RunKind.RECONCILE if reconcile else RunKind.RECORD if identifier else
            RunKind.WINDOW if window else RunKind.HARVEST)
    run = HarvestRun.objects.create(source=source, kind=kind)
    client = client or make_client(source, run.log)
    try:
        if reconcile:
            _reconcile(source, client, run)
        elif identifier:
            _one_record(source, client, run, identifier)
        else:
            _harvest(source, client, run, window)
        run.state = RunState.OK
    except OAIError as error:
        run.state = RunState.PARTIAL if run.pages and kind != RunKind.RECONCILE else RunState.FAILED
        run.log(_("The repository answered with an error: %(error)s") % {"error": error})
    except HarvestError as error:
        run.state = RunState.PARTIAL if run.pages and kind != RunKind.RECONCILE else RunState.FAILED
        run.log(_("Harvest stopped: %(error)s") % {"error": error})
    except Exception as error:  # a run always ends with its state recorded
        logger.exception("harvest of %s failed", source.name)
        run.state = RunState.PARTIAL if run.pages and kind != RunKind.RECONCILE else RunState.FAILED
        run.log(_("Harvest stopped: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
    finally:
        run.finished_at = timezone.now()
        run.save()
        summary = _("%(pages)d pages: %(created)d new, %(matched)d already in the catalogue, %(updated)d updated, "
                    "%(withdrawn)d withdrawn, %(skipped)d skipped.") % {
            "pages": run.pages, "created": run.created, "matched": run.matched, "updated": run.updated,
            "withdrawn": run.withdrawn, "skipped": run.skipped}
        last_line = run.message.strip().splitlines()[-1][9:] if run.state != RunState.OK and run.message else ""
        HarvestSource.objects.filter(pk=source.pk).update(
            running_since=None, last_run_at=run.started_at, last_state=run.state,
            last_message=f"{summary} {last_line}".strip()[:2000])
        source.refresh_from_db()
    return run


def _date_argument(text, granularity):
    """A from/until given by an operator, as the repository takes it: a day as it is (every
    repository accepts days), a moment to the second only where the repository has seconds."""
    text = text.strip()
    moment = parse_datestamp(text)
    if moment is None:
        raise HarvestError(_("Not a date: %(value)s (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).") % {"value": text})
    return text if len(text) == 10 else format_datestamp(moment, granularity)


def _harvest(source, client, run, window=None):
    granularity = _identify(client, source, run)
    keep_state = window is None  # a date range read by hand neither resumes nor moves the mark
    restarted = False
    until = None
    if window is not None:
        token, mark = None, None
        from_, until = (_date_argument(text, granularity) if text else None for text in window)
        from_ = from_ or ""
    elif source.resume_token:
        token, from_, mark = source.resume_token, source.resume_from, source.pending_mark
        run.log(f"resuming an interrupted list (from={from_ or '-'})")
    else:
        token, mark = None, None
        from_ = format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else ""
    run.from_param, run.until_param = from_, until or ""
    run.save(update_fields=["from_param", "until_param", "message"])
    refused_before = list(HarvestedRecord.objects.filter(source=source, failed=True)
                          .values_list("identifier", flat=True)[:RETRY_AT_MOST])
    while True:
        try:
            page = client.list_records(source.metadata_prefix, from_ or None, source.set_spec or None, token,
                                       until=until)
        except OAIError as error:
            if error.code == "noRecordsMatch" and not token:
                mark = mark or error.response_date
                run.log("noRecordsMatch: nothing new")
                if keep_state:
                    source.resume_token, source.resume_from, source.pending_mark = "", "", None
                    source.save(update_fields=["resume_token", "resume_from", "pending_mark"])
                break
            if error.code == "badResumptionToken" and token and not restarted:
                # The saved or current token expired: ask for the whole list again from the
                # unchanged high-water mark; records already harvested are matched, not duplicated.
                restarted = True
                run.log("badResumptionToken: asking for the list again")
                token, mark = None, None
                if keep_state:
                    from_ = format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else ""
                continue
            raise
        if mark is None:
            mark = page.response_date or timezone.now()
        with transaction.atomic():
            _apply_page(source, page.records, run)
            run.pages += 1
            run.save()
            if keep_state:
                source.resume_token, source.resume_from, source.pending_mark = page.token, from_, mark
                if not page.token:
                    source.resume_token, source.resume_from, source.pending_mark = "", "", None
                    if mark and (source.high_water_mark is None or mark > source.high_water_mark):
                        source.high_water_mark = mark
                source.save(update_fields=["resume_token", "resume_from", "pending_mark", "high_water_mark"])
        if not page.token:
            break
        token = page.token
    if not keep_state:
        run.log("date range complete")
        return
    if source.resume_token == "" and mark and (source.high_water_mark is None or mark > source.high_water_mark):
        source.high_water_mark = mark
        source.save(update_fields=["high_water_mark"])
    run.high_water_mark = source.high_water_mark
    next_from = format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else "-"
    run.log(f"list complete; next harvest from {next_from}")
    _retry_failed(source, client, run, refused_before)


RETRY_AT_MOST = 200  # records refused by the catalogue, asked again per run


def _retry_failed(source, client, run, identifiers):
    """Ask again, one by one, for the records the catalogue refused in an earlier run (and
    still refused after this run's list): the mark has moved past them, so the list would
    not bring them back."""
    still = set(HarvestedRecord.objects.filter(source=source, failed=True, identifier__in=identifiers)
                .values_list("identifier", flat=True))
    for identifier in [i for i in identifiers if i in still]:
        try:
            element = client.get_record(identifier, source.metadata_prefix)
        except OAIError as error:
            run.log(f"{identifier}: GetRecord: {error}")
            if error.code == "idDoesNotExist":
                HarvestedRecord.objects.filter(source=source, identifier=identifier).update(failed=False)
            continue
        except HarvestError as error:
            run.log(f"retrying refused records stopped: {error}")
            return
        with transaction.atomic():
            _apply_page(source, [element], run)


def _one_record(source, client, run, identifier):
    """GetRecord: bring one record up to date (a record the repository no longer knows,
    idDoesNotExist, is withdrawn like a deleted one)."""
    run.log(f"GetRecord {identifier}")
    try:
        element = client.get_record(identifier, source.metadata_prefix)
    except OAIError as error:
        link = HarvestedRecord.objects.filter(source=source, identifier=identifier[:255]).first()
        if error.code != "idDoesNotExist" or link is None:
            raise
        with transaction.atomic():
            outcome = _withdraw(source, link)
        run.log(_("%(identifier)s: the repository no longer has it") % {"identifier": identifier})
    else:
        with transaction.atomic():
            _apply_page(source, [element], run)
        outcome = None
    if outcome:
        setattr(run, outcome, getattr(run, outcome) + 1)
    run.pages = 1


def _reconcile(source, client, run):
    """List every identifier the repository has (in the source's set) and withdraw what we
    harvested from it that is no longer there. Nothing is withdrawn unless the whole list
    was read, nor when the repository lists nothing at all (an empty answer is more likely
    a broken repository than an emptied one)."""
    listed, token = set(), None
    while True:
        try:
            page = client.list_identifiers(source.metadata_prefix, source.set_spec or None, token)
        except OAIError as error:
            if error.code == "noRecordsMatch" and not token:
                break
            raise
        run.pages += 1
        for header in page.records:
            identifier, _datestamp, deleted = _header(header)
            if identifier and not deleted:
                listed.add(identifier[:255])
        if not page.token:
            break
        token = page.token
    if not listed:
        raise HarvestError(_("the repository lists no records; nothing was withdrawn"))
    gone = [pk for pk, identifier in HarvestedRecord.objects.filter(source=source, deleted=False)
            .values_list("pk", "identifier") if identifier not in listed]
    for start in range(0, len(gone), 500):
        with transaction.atomic():
            for link in HarvestedRecord.objects.filter(pk__in=gone[start:start + 500]).select_related("record"):
                outcome = _withdraw(source, link)
                setattr(run, outcome, getattr(run, outcome) + 1)
    source.last_reconciled_at = timezone.now()
    source.save(update_fields=["last_reconciled_at"])
    run.log(_("%(listed)d records listed by the repository; %(gone)d harvested before are no longer there")
            % {"listed": len(listed), "gone": len(gone)})


# --- checking a repository ------------------------------------------------------------

def check_source(source, client=None):
    """Ask the repository what it is (Identify), which formats and sets it has, and whether
    the source's format and set are among them. Kept on the source and returned; a
    repository that cannot be reached is reported, never raised."""
    log = []
    client = client or make_client(source, log.append, retries=1, timeout=20)
    report = {"problems": []}
    try:
        report["identify"] = client.identify()
    except HarvestError as error:
        report["problems"].append(_("Identify: %(error)s") % {"error": error})
    try:
        formats = client.list_metadata_formats()
        report["formats"] = [{"prefix": p, "schema": s, "namespace": n, "readable": p in MetadataPrefix.values}
                             for p, s, n in formats]
        if source.metadata_prefix not in [f["prefix"] for f in report["formats"]]:
            report["problems"].append(_("The repository does not offer the format %(prefix)s.")
                                      % {"prefix": source.metadata_prefix})
    except HarvestError as error:
        report["problems"].append(_("ListMetadataFormats: %(error)s") % {"error": error})
    try:
        found, complete = client.list_sets()
        report["sets"], report["sets_complete"], report["set_count"] = found[:1000], complete, len(found)
        if source.set_spec and complete and source.set_spec not in {spec for spec, _name in found}:
            report["problems"].append(_("The repository has no set %(set)s.") % {"set": source.set_spec})
    except OAIError as error:
        report["sets"], report["sets_complete"], report["set_count"] = [], True, 0
        if error.code != "noSetHierarchy":
            report["problems"].append(_("ListSets: %(error)s") % {"error": error})
        elif source.set_spec:
            report["problems"].append(_("The repository has no sets, but the source asks for %(set)s.")
                                      % {"set": source.set_spec})
    except HarvestError as error:
        report["problems"].append(_("ListSets: %(error)s") % {"error": error})
    identify = report.get("identify") or {}
    source.checked_at = timezone.now()
    source.check_report = report
    fields = ["checked_at", "check_report"]
    if identify:
        source.repository_name = identify["name"][:255]
        source.deleted_record = identify["deleted_record"][:12]
        if identify["granularity"] in (DAY, SECONDS):
            source.granularity = identify["granularity"]
        fields += ["repository_name", "deleted_record", "granularity"]
    source.save(update_fields=fields)
    return report


def harvested_count(source):
    return BibRecord.objects.filter(source=source.tag, is_deleted=False).count()
