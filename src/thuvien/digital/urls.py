from django.urls import path, re_path

from thuvien.digital import staff_views, views

app_name = "digital"
urlpatterns = [
    path("iiif/3/<int:file_id>", views.image_service, name="image_service"),
    path("iiif/3/<int:file_id>/info.json", views.info_json, name="info_json"),
    re_path(r"^iiif/3/(?P<file_id>\d+)/(?P<region>[^/]+)/(?P<size>[^/]+)/(?P<rotation>[^/]+)/(?P<name>[^/]+)$",
            views.image, name="image"),
    path("iiif/manifest/<int:object_id>.json", views.manifest, name="manifest"),
    path("iiif/search/<int:object_id>", views.search_inside, name="search_inside"),
    path("digital/<int:object_id>/", views.viewer, name="viewer"),
    path("digital/<int:object_id>/dc.xml", views.dublin_core, name="dublin_core"),
    path("digital/file/<int:file_id>/download", views.download, name="download"),
    path("digital/file/<int:file_id>/text", views.page_text, name="page_text"),
    path("digital/file/<int:file_id>/hocr", views.page_hocr, name="page_hocr"),
    path("digital/deposit/", staff_views.deposit_offer, name="deposit"),
    path("staff/digital/", staff_views.home, name="staff_home"),
    path("staff/digital/projects/new/", staff_views.project_new, name="staff_project_new"),
    path("staff/digital/projects/<int:project_id>/", staff_views.project_detail, name="staff_project"),
    path("staff/digital/items/<int:item_id>/", staff_views.item_detail, name="staff_item"),
    path("staff/digital/items/<int:item_id>/advance", staff_views.item_advance, name="staff_item_advance"),
    path("staff/digital/items/<int:item_id>/send-back", staff_views.item_send_back, name="staff_item_send_back"),
    path("staff/digital/items/<int:item_id>/assign", staff_views.item_assign, name="staff_item_assign"),
    path("staff/digital/items/<int:item_id>/upload", staff_views.item_upload, name="staff_item_upload"),
    path("staff/digital/objects/<int:object_id>/", staff_views.object_edit, name="staff_object"),
    path("staff/digital/progress/", staff_views.progress, name="staff_progress"),
    path("staff/digital/onsite/", staff_views.onsite_networks, name="staff_onsite"),
    path("staff/digital/collections/", staff_views.collections, name="staff_collections"),
    path("staff/digital/deposits/", staff_views.deposits, name="staff_deposits"),
    path("staff/digital/deposits/<int:deposit_id>/", staff_views.deposit_detail, name="staff_deposit"),
]
