"""Harvesting a remote OAI-PMH repository into the union catalogue.

A run lists the records changed since the source's high-water mark (``from``, in the
repository's granularity read from Identify), page by page. Each page is committed on its
own: records are created, updated or withdrawn through ``catalog.services``, matched on
(source, OAI identifier) so that a re-harvest never duplicates. The resumption token of the
next page is saved with the page, so an interrupted run loses nothing and the next run
continues from there (or, if that token has expired, asks for the list again from the
unchanged high-water mark). The mark moves only when a whole list has been read: it
becomes the repository's responseDate of the list's first page.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog import services as catalog
from thuvien.catalog.models import BibRecord
from thuvien.interop.harvest import mapping
from thuvien.interop.harvest.client import NS, Client, HarvestError, OAIError, format_datestamp
from thuvien.interop.harvest.models import HarvestedRecord, HarvestRun, HarvestSource, RunState

logger = logging.getLogger(__name__)
STALE_LOCK = timedelta(hours=6)
DAY = "YYYY-MM-DD"


class AlreadyRunning(Exception):
    pass


def make_client(source, log):
    return Client(
        source.base_url,
        retries=getattr(settings, "HARVEST_RETRIES", 3),
        backoff=getattr(settings, "HARVEST_BACKOFF_SECONDS", 2.0),
        timeout=getattr(settings, "HARVEST_TIMEOUT_SECONDS", 60),
        log=log,
    )


def add_source(name, base_url, metadata_prefix="oai_dc", set_spec="", interval_hours=24, enabled=True):
    """Register a repository; raises ``ValidationError`` on bad input."""
    source = HarvestSource(
        name=(name or "").strip(), base_url=(base_url or "").strip(), metadata_prefix=metadata_prefix,
        set_spec=(set_spec or "").strip(), interval_hours=interval_hours, enabled=enabled,
    )
    source.full_clean()
    source.save()
    return source


def due_sources(now=None):
    now = now or timezone.now()
    return [s for s in HarvestSource.objects.filter(enabled=True, interval_hours__gt=0) if s.is_due(now)]


def _claim(source):
    """Mark the source as running, unless another run holds it (stale claims expire)."""
    now = timezone.now()
    claimed = HarvestSource.objects.filter(
        Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_LOCK), pk=source.pk
    ).update(running_since=now)
    if not claimed:
        raise AlreadyRunning(source.name)
    source.refresh_from_db()


def _header(element):
    header = element.find("oai:header", NS)
    if header is None:
        return None, "", False
    identifier = (header.findtext("oai:identifier", "", NS) or "").strip()
    datestamp = (header.findtext("oai:datestamp", "", NS) or "").strip()
    return identifier, datestamp, header.get("status") == "deleted"


def _apply_record(source, element, run):
    identifier, datestamp, deleted = _header(element)
    if not identifier:
        run.skipped += 1
        run.log("a record without identifier was skipped")
        return
    link = HarvestedRecord.objects.filter(source=source, identifier=identifier[:255]).select_related("record").first()
    record = link.record if link else None
    if deleted:
        if record is not None and not record.is_deleted:
            catalog.withdraw_record(record)
            run.withdrawn += 1
        if link:
            link.deleted, link.datestamp = True, datestamp[:32]
            link.save(update_fields=["deleted", "datestamp"])
        return
    try:
        data = mapping.to_marc(source.metadata_prefix, identifier, element.find("oai:metadata", NS), source.name)
    except (mapping.MappingError, ValueError) as error:
        run.skipped += 1
        run.log(f"{identifier}: skipped ({error})")
        return
    if record is None:
        record = catalog.create_record(data, source=source.tag)
        run.created += 1
    elif record.is_deleted and not (link and link.deleted):
        run.skipped += 1
        run.log(f"{identifier}: withdrawn here by staff; left withdrawn")
        return
    elif record.marc == data and not record.is_deleted:
        run.unchanged += 1
    else:
        record.is_deleted = False
        catalog.update_record(record, data)
        run.updated += 1
    if link is None:
        HarvestedRecord.objects.create(source=source, identifier=identifier[:255], record=record,
                                       datestamp=datestamp[:32])
    else:
        link.record, link.deleted, link.datestamp = record, False, datestamp[:32]
        link.save(update_fields=["record", "deleted", "datestamp"])


def _granularity(client, source, run):
    try:
        granularity = client.identify()["granularity"]
    except HarvestError as error:
        run.log(f"Identify failed ({error}); using {source.granularity or DAY}")
        return source.granularity or DAY
    if granularity not in (DAY, "YYYY-MM-DDThh:mm:ssZ"):
        granularity = DAY
    if granularity != source.granularity:
        source.granularity = granularity
        source.save(update_fields=["granularity"])
    return granularity


def run_harvest(source, client=None):
    """Harvest ``source`` once and return its ``HarvestRun`` (never raises on remote failures)."""
    _claim(source)
    run = HarvestRun.objects.create(source=source)
    client = client or make_client(source, run.log)
    try:
        _harvest(source, client, run)
        run.state = RunState.OK
    except OAIError as error:
        run.state = RunState.PARTIAL if run.pages else RunState.FAILED
        run.log(_("The repository answered with an error: %(error)s") % {"error": error})
    except HarvestError as error:
        run.state = RunState.PARTIAL if run.pages else RunState.FAILED
        run.log(_("Harvest stopped: %(error)s") % {"error": error})
    except Exception as error:  # noqa: BLE001 - a run always ends with its state recorded
        logger.exception("harvest of %s failed", source.name)
        run.state = RunState.PARTIAL if run.pages else RunState.FAILED
        run.log(_("Harvest stopped: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
    finally:
        run.finished_at = timezone.now()
        run.save()
        source.refresh_from_db()
        summary = _("%(pages)d pages: %(created)d new, %(updated)d updated, %(withdrawn)d withdrawn, "
                    "%(skipped)d skipped.") % {
            "pages": run.pages, "created": run.created, "updated": run.updated,
            "withdrawn": run.withdrawn, "skipped": run.skipped}
        last_line = run.message.strip().splitlines()[-1][9:] if run.state != RunState.OK and run.message else ""
        HarvestSource.objects.filter(pk=source.pk).update(
            running_since=None, last_run_at=run.started_at, last_state=run.state,
            last_message=f"{summary} {last_line}".strip()[:2000])
        source.refresh_from_db()
    return run


def _harvest(source, client, run):
    granularity = _granularity(client, source, run)
    restarted = False
    if source.resume_token:
        token, from_, mark = source.resume_token, source.resume_from, source.pending_mark
        run.log(f"resuming an interrupted list (from={from_ or '-'})")
    else:
        token, mark = None, None
        from_ = format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else ""
    run.from_param = from_
    run.save(update_fields=["from_param", "message"])
    while True:
        try:
            page = client.list_records(source.metadata_prefix, from_ or None, source.set_spec or None, token)
        except OAIError as error:
            if error.code == "noRecordsMatch" and not token:
                mark = mark or error.response_date
                run.log("noRecordsMatch: nothing new")
                source.resume_token, source.resume_from, source.pending_mark = "", "", None
                source.save(update_fields=["resume_token", "resume_from", "pending_mark"])
                break
            if error.code == "badResumptionToken" and token and not restarted:
                # The saved or current token expired: ask for the whole list again from the
                # unchanged high-water mark; records already harvested are matched, not duplicated.
                restarted = True
                run.log("badResumptionToken: asking for the list again")
                token, mark = None, None
                from_ = format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else ""
                continue
            raise
        if mark is None:
            mark = page.response_date or timezone.now()
        with transaction.atomic():
            for element in page.records:
                _apply_record(source, element, run)
            run.pages += 1
            run.save()
            source.resume_token, source.resume_from, source.pending_mark = page.token, from_, mark
            if not page.token:
                source.resume_token, source.resume_from, source.pending_mark = "", "", None
                if mark and (source.high_water_mark is None or mark > source.high_water_mark):
                    source.high_water_mark = mark
            source.save(update_fields=["resume_token", "resume_from", "pending_mark", "high_water_mark"])
        if not page.token:
            break
        token = page.token
    if source.resume_token == "" and mark and (source.high_water_mark is None or mark > source.high_water_mark):
        source.high_water_mark = mark
        source.save(update_fields=["high_water_mark"])
    run.high_water_mark = source.high_water_mark
    run.log(f"list complete; next harvest from {format_datestamp(source.high_water_mark, granularity) if source.high_water_mark else '-'}")


def harvest_by_name(name):
    return run_harvest(HarvestSource.objects.get(name=name))


def harvested_count(source):
    return BibRecord.objects.filter(source=source.tag, is_deleted=False).count()
