"""Staff screens of the digitisation workflow (/staff/digital/) and the public deposit form."""

import shutil
import tempfile
from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.accounts import permissions
from thuvien.accounts.models import StaffRole
from thuvien.catalog.models import BibRecord
from thuvien.digital import charts, workflow
from thuvien.digital.forms import (
    AcceptDepositForm,
    DepositForm,
    ProjectForm,
    RejectDepositForm,
    SelectRecordsForm,
    SendBackForm,
    UploadScansForm,
)
from thuvien.digital.ingest import IngestError, _safe_name
from thuvien.digital.models import (
    STAGE_ORDER,
    Deposit,
    DigitisationItem,
    DigitisationProject,
)
from thuvien.network.models import Library


def digitiser_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.has_capability(request.user, permissions.DIGITISE):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


def _libraries(user):
    ids = permissions.library_ids_for(user, permissions.DIGITISE)
    libraries = Library.objects.all()
    return libraries if ids is None else libraries.filter(pk__in=ids)


def _scoped(user, library_id):
    if not permissions.can(user, permissions.DIGITISE, library_id):
        raise Http404


@digitiser_required
def home(request):
    queues = workflow.queues(request.user)
    mine = request.GET.get("mine") == "1"
    columns = [(stage, [i for i in queues[stage] if not mine or i.assignee_id == request.user.pk])
               for stage in STAGE_ORDER]
    projects = DigitisationProject.objects.filter(library__in=_libraries(request.user)).select_related(
        "library", "collection")
    return render(request, "digital/staff/home.html", {
        "columns": columns, "mine": mine, "projects": projects,
        "pending_deposits": workflow.pending_deposits(request.user).count(),
    })


@digitiser_required
def project_new(request):
    form = ProjectForm(request.POST or None, libraries=_libraries(request.user))
    if request.method == "POST" and form.is_valid():
        project = workflow.create_project(request.user, **form.cleaned_data)
        return redirect("digital:staff_project", project.pk)
    return render(request, "digital/staff/project_form.html", {"form": form})


@digitiser_required
def project_detail(request, project_id):
    project = get_object_or_404(DigitisationProject.objects.select_related("library", "collection"), pk=project_id)
    _scoped(request.user, project.library_id)
    form = SelectRecordsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["record_ids"]
        records = list(BibRecord.objects.filter(pk__in=ids, is_deleted=False))
        unknown = sorted(set(ids) - {r.pk for r in records})
        if unknown:
            form.add_error("record_ids", _("No such records: %(ids)s") % {"ids": ", ".join(map(str, unknown))})
        else:
            added = workflow.select_records(request.user, project, records)
            messages.success(request, _("%(n)d documents selected.") % {"n": len(added)})
            return redirect("digital:staff_project", project.pk)
    items = project.items.select_related("record", "assignee")
    return render(request, "digital/staff/project.html", {"project": project, "items": items, "form": form,
                                                          "progress": workflow.Progress(
                                                              project.name, project.target_count,
                                                              items.filter(stage="published").count(),
                                                              project.collection.target_percent)})


def _digitisers(library_id):
    User = get_user_model()
    ids = StaffRole.objects.filter(role__in=permissions.CAPABILITY_ROLES[permissions.DIGITISE]).filter(
        library_id=library_id).values_list("user_id", flat=True)
    network = StaffRole.objects.filter(role="network_admin").values_list("user_id", flat=True)
    return User.objects.filter(pk__in=list(ids) + list(network), is_active=True).order_by("username")


@digitiser_required
def item_detail(request, item_id):
    item = get_object_or_404(DigitisationItem.objects.select_related("project__library", "record", "assignee",
                                                                      "digital_object"), pk=item_id)
    _scoped(request.user, item.project.library_id)
    return render(request, "digital/staff/item.html", {
        "item": item, "events": item.events.select_related("actor"),
        "send_back": SendBackForm(), "upload": UploadScansForm(),
        "digitisers": _digitisers(item.project.library_id), "next_stage": workflow.next_stage(item.stage),
    })


def _item_action(request, item_id):
    item = get_object_or_404(DigitisationItem.objects.select_related("project"), pk=item_id)
    _scoped(request.user, item.project.library_id)
    return item


@require_POST
@digitiser_required
def item_advance(request, item_id):
    item = _item_action(request, item_id)
    try:
        item = workflow.advance(request.user, item)
        messages.success(request, _("Moved to: %(stage)s") % {"stage": item.get_stage_display()})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("digital:staff_item", item.pk)


@require_POST
@digitiser_required
def item_send_back(request, item_id):
    item = _item_action(request, item_id)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage and give a reason."))
        return redirect("digital:staff_item", item.pk)
    try:
        workflow.send_back(request.user, item, form.cleaned_data["to_stage"], form.cleaned_data["reason"])
        messages.success(request, _("Sent back."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("digital:staff_item", item.pk)


@require_POST
@digitiser_required
def item_assign(request, item_id):
    item = _item_action(request, item_id)
    user_id = request.POST.get("assignee") or None
    user = _digitisers(item.project.library_id).filter(pk=user_id).first() if user_id else None
    if user_id and user is None:
        messages.error(request, _("This person does not digitise for this library."))
    else:
        workflow.assign(request.user, item, user)
        messages.success(request, _("Assigned."))
    return redirect("digital:staff_item", item.pk)


def _save_uploads(files):
    """Uploaded files to a scratch folder, in the order given; returns (folder, paths)."""
    folder = Path(tempfile.mkdtemp(prefix="thuvien-upload-"))
    paths = []
    for n, upload in enumerate(files, 1):
        path = folder / f"{n:04d}-{_safe_name(upload.name)}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        paths.append(path)
    return folder, paths


@require_POST
@digitiser_required
def item_upload(request, item_id):
    item = _item_action(request, item_id)
    form = UploadScansForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the scan files to upload."))
        return redirect("digital:staff_item", item.pk)
    folder, paths = _save_uploads(form.cleaned_data["files"])
    try:
        result = workflow.upload_scans(request.user, item, paths, access=form.cleaned_data["access"])
    except IngestError as error:
        messages.error(request, str(error))
        for name, message in error.refused:
            messages.warning(request, f"{name.split('-', 1)[-1]}: {message}")
    else:
        messages.success(request, _("%(n)d pages uploaded; OCR is running.") % {"n": result.pages})
        for name, message in result.refused:
            messages.warning(request, f"{name.split('-', 1)[-1]}: {message}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return redirect("digital:staff_item", item.pk)


@digitiser_required
def progress(request):
    by_collection = workflow.progress_by_collection()
    by_library = workflow.progress_by_library()
    return render(request, "digital/staff/progress.html", {
        "by_collection": by_collection, "by_library": by_library,
        "collection_chart": charts.progress_bars(by_collection),
        "library_chart": charts.progress_bars(by_library),
    })


@digitiser_required
def deposits(request):
    return render(request, "digital/staff/deposits.html", {"deposits": workflow.pending_deposits(request.user)})


@digitiser_required
def deposit_detail(request, deposit_id):
    deposit = get_object_or_404(Deposit.objects.select_related("library"), pk=deposit_id)
    _scoped(request.user, deposit.library_id)
    accept_form = AcceptDepositForm(request.POST if request.POST.get("action") == "accept" else None)
    reject_form = RejectDepositForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept" and accept_form.is_valid():
                record = BibRecord.objects.filter(pk=accept_form.cleaned_data["record_id"], is_deleted=False).first()
                if record is None:
                    accept_form.add_error("record_id", _("No such record."))
                else:
                    result = workflow.accept_deposit(request.user, deposit, record,
                                                     access=accept_form.cleaned_data["access"],
                                                     collection=accept_form.cleaned_data["collection"])
                    messages.success(request, _("Published as digital object %(id)d.") % {"id": result.object.pk})
                    return redirect("digital:staff_deposits")
            elif request.POST.get("action") == "reject" and reject_form.is_valid():
                workflow.reject_deposit(request.user, deposit, reject_form.cleaned_data["note"])
                messages.success(request, _("Deposit refused."))
                return redirect("digital:staff_deposits")
        except (ValidationError, IngestError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return render(request, "digital/staff/deposit.html", {
        "deposit": deposit, "accept_form": accept_form, "reject_form": reject_form,
        "files": [name.split("-", 1)[-1] for name in deposit.file_names]})


def deposit_offer(request):
    """Public: an organisation or a person offers digital documents."""
    form = DepositForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("files", "agree")}
        try:
            with transaction.atomic():
                workflow.offer_deposit(uploaded_files=form.cleaned_data["files"], **data)
        except ValidationError as error:
            form.add_error("files", error)
        else:
            return render(request, "digital/deposit_thanks.html", {"library": data["library"]})
    return render(request, "digital/deposit_form.html", {"form": form})


@digitiser_required
def object_edit(request, object_id):
    """An object's access levels (whole object and per page), description and provenance."""
    from thuvien.digital.forms import ObjectForm
    from thuvien.digital.models import AccessLevel, DigitalObject

    obj = get_object_or_404(DigitalObject.objects.select_related("record", "library"), pk=object_id)
    _scoped(request.user, obj.library_id)
    form = ObjectForm(request.POST or None, instance=obj)
    pages = list(obj.files.order_by("order"))
    if request.method == "POST" and form.is_valid():
        page_access = {p.pk: request.POST.get(f"page-{p.pk}", "") for p in pages}
        try:
            workflow.update_object(request.user, obj, {k: form.cleaned_data[k] for k in form.changed_data},
                                   page_access)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
            return redirect("digital:staff_object", obj.pk)
    return render(request, "digital/staff/object.html", {
        "object": obj, "form": form, "pages": pages, "levels": AccessLevel.choices})


def onsite_networks(request):
    """Library administrators: the networks of their reading rooms (on-site-only documents)."""
    from thuvien.digital import access, onsite

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    libraries = list(onsite.editable_libraries(request.user))
    if not libraries:
        raise PermissionDenied
    errors = {}
    if request.method == "POST":
        library = next((lib for lib in libraries if str(lib.pk) == request.POST.get("library")), None)
        if library is None:
            raise Http404
        try:
            onsite.set_ranges(request.user, library, request.POST.get("ranges", ""))
        except ValidationError as error:
            errors[library.pk] = error.messages
            library.onsite_ip_ranges = request.POST.get("ranges", "")
        else:
            messages.success(request, _("Saved."))
            return redirect("digital:staff_onsite")
    ip = access.client_ip(request)
    rows = [(lib, errors.get(lib.pk, []), access.ip_in_ranges(ip, lib.onsite_ip_ranges)) for lib in libraries]
    return render(request, "digital/staff/onsite.html", {"rows": rows, "ip": ip})


@digitiser_required
def collections(request):
    """The network's digital collections; digitisers add or change their libraries' ones."""
    from thuvien.digital.forms import CollectionForm
    from thuvien.digital.models import Collection

    libraries = _libraries(request.user).exclude(library_type="network")
    form = CollectionForm(request.POST or None, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        try:
            collection = workflow.save_collection(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "messages", None) or _("You may not digitise for this library."))
        else:
            messages.success(request, _("Collection %(code)s saved.") % {"code": collection.code})
            return redirect("digital:staff_collections")
    return render(request, "digital/staff/collections.html", {
        "collections": Collection.objects.select_related("library").order_by("library__name_sort", "code"),
        "form": form})
