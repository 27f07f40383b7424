"""The cataloguer's screens, mounted at /staff/catalog/ (namespace "catalog")."""

from django.urls import path

from thuvien.cataloguing.views import copy, headings, items, merge, records, sheet

urlpatterns = [
    path("", records.home, name="home"),
    path("records/new/", records.record_form, name="record_new"),
    path("records/<int:pk>/", records.record, name="record"),
    path("records/<int:pk>/edit/", records.record_form, name="record_edit"),
    path("records/<int:pk>/marc/", records.marc_editor, name="record_marc"),
    path("records/<int:pk>/withdraw/", records.withdraw, name="record_withdraw"),
    path("records/<int:pk>/merge/", merge.merge, name="record_merge"),
    path("records/<int:pk>/items/add/", items.item_add, name="item_add"),
    path("items/<int:pk>/edit/", items.item_edit, name="item_edit"),
    path("labels.pdf", items.label_sheet, name="labels"),
    path("headings", headings.suggest, name="headings"),
    path("copy/", copy.copy_search, name="copy"),
    path("copy/import/", copy.copy_import, name="copy_import"),
    path("sru-servers/", copy.sru_servers, name="sru_servers"),
    path("import/", sheet.upload, name="sheet_upload"),
    path("import/<str:token>/", sheet.mapping, name="sheet_map"),
]
