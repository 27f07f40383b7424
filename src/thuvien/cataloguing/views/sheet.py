"""Spreadsheet import from the staff interface: upload, map columns, preview, import."""

import json
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.cataloguing import access, copies, sheet, sheetfile

PREVIEW_ROWS = 20
PREVIEW_CHECK = 500  # rows checked for the preview's error count; the import checks every row
CHUNK = 1000  # rows per request, so that no request runs into the server's time-out


def _upload_dir():
    """Uploaded sheets wait here between the upload and the import (never under MEDIA_ROOT)."""
    folder = Path(settings.DATA_DIR) / "tmp" / "sheet-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(max_age=24 * 3600):
    now = time.time()
    for path in _upload_dir().iterdir():
        if now - path.stat().st_mtime > max_age:
            path.unlink(missing_ok=True)


@access.cataloguer_required
def upload(request):
    libraries = access.item_libraries(request.user)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        library = libraries.filter(pk=copies.as_id(request.POST.get("library")) or 0).first()
        if library is None:
            error = _("Choose one of your libraries.")
        elif upload is None:
            error = _("Choose a file to upload.")
        elif upload.size > sheet.MAX_BYTES:
            error = _("The file is too large (at most %(mb)s MB).") % {"mb": sheet.MAX_BYTES // (1024 * 1024)}
        else:
            try:
                found = sheet.open_sheet(upload.read(), upload.name, request.POST.get("encoding", "auto"))
            except sheet.SheetError as exc:
                error = str(exc)
            else:
                _forget_old_uploads()
                token = uuid.uuid4().hex
                # Kept parsed, so every step after the upload reads it fast.
                (_upload_dir() / f"{token}.json").write_text(
                    json.dumps([found.headers, found.rows], ensure_ascii=False))
                request.session[f"sheet:{token}"] = {"name": upload.name[:200], "library": library.pk,
                                                     "encoding": found.encoding}
                return redirect("catalog:sheet_map", token=token)
    return render(request, "catalog/sheet_upload.html",
                  {"libraries": libraries, "error": error, "encodings": list(sheetfile.ENCODINGS.items())},
                  status=400 if error else 200)


@access.cataloguer_required
def mapping(request, token):
    info = request.session.get(f"sheet:{token}")
    path = _upload_dir() / f"{token}.json"
    if not info or not token.isalnum() or not path.exists():
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("catalog:sheet_upload")
    library = access.item_libraries(request.user).filter(pk=info["library"]).first()
    if library is None:
        messages.error(request, _("Choose one of your libraries."))
        return redirect("catalog:sheet_upload")
    headers, rows = json.loads(path.read_text())
    if request.method == "POST":
        chosen = {}
        for index in range(len(headers)):
            column = request.POST.get(f"col{index}", "")
            if column in sheet.COLUMNS and column not in chosen.values():
                chosen[index] = column
    else:
        chosen = sheet.guess_mapping(headers)
    has_title = "title" in chosen.values()
    if request.method == "POST" and request.POST.get("action") == "import" and has_title:
        return _import_chunk(request, token, info, path, library, headers, rows, chosen)
    planned = sheet.plan(headers, rows[:PREVIEW_CHECK], chosen, library) if has_title else []
    all_errors = sum(1 for r in planned if not r.ok)
    columns = [{"index": i, "header": h, "column": chosen.get(i, "")} for i, h in enumerate(headers)]
    return render(request, "catalog/sheet_map.html", {
        "token": token, "name": info["name"], "library": library, "columns": columns,
        "choices": list(sheet.COLUMNS.items()), "planned": planned[:PREVIEW_ROWS], "row_count": len(rows),
        "error_rows": all_errors, "has_title": has_title, "checked": min(len(rows), PREVIEW_CHECK),
        "encoding": sheetfile.ENCODING_NAMES.get(info.get("encoding", ""), ""),
    })


def _import_chunk(request, token, info, path, library, headers, rows, chosen):
    """Import the next CHUNK rows; the page posts on until the sheet is done.

    Safe to repeat or resume: an imported row is found again and changes nothing.
    """
    offset = copies.as_id(request.POST.get("offset")) or 0
    progress = info.get("progress") if offset else None
    if progress is None:
        progress = {"summary": sheet.ImportSummary().__dict__, "started": timezone.now().isoformat()}
    planned = sheet.plan(headers, rows[offset:offset + CHUNK], chosen, library, first=offset)
    summary = sheet.ImportSummary(**progress["summary"])
    summary.add(sheet.import_rows(planned, library, actor=request.user))
    summary.errors = summary.errors[:2000]
    done = offset + CHUNK >= len(rows)
    if not done:
        info["progress"] = {"summary": {**summary.__dict__, "errors": [list(e) for e in summary.errors]},
                            "started": progress["started"]}
        request.session[f"sheet:{token}"] = info
        columns = [{"index": i, "column": c} for i, c in chosen.items()]
        return render(request, "catalog/sheet_progress.html", {
            "token": token, "columns": columns, "offset": offset + CHUNK, "done_rows": offset + CHUNK,
            "row_count": len(rows), "summary": summary, "library": library})
    path.unlink(missing_ok=True)
    request.session.pop(f"sheet:{token}", None)
    return render(request, "catalog/sheet_done.html",
                  {"summary": summary, "library": library, "since": progress["started"]})
