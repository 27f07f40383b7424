from django.urls import path, re_path

from thuvien.digital import views

app_name = "digital"
urlpatterns = [
    path("iiif/3/<int:file_id>", views.image_service, name="image_service"),
    path("iiif/3/<int:file_id>/info.json", views.info_json, name="info_json"),
    re_path(r"^iiif/3/(?P<file_id>\d+)/(?P<region>[^/]+)/(?P<size>[^/]+)/(?P<rotation>[^/]+)/(?P<name>[^/]+)$",
            views.image, name="image"),
    path("iiif/manifest/<int:object_id>.json", views.manifest, name="manifest"),
    path("iiif/search/<int:object_id>", views.search_inside, name="search_inside"),
    path("digital/<int:object_id>/", views.viewer, name="viewer"),
    path("digital/file/<int:file_id>/download", views.download, name="download"),
    path("digital/file/<int:file_id>/text", views.page_text, name="page_text"),
    path("digital/file/<int:file_id>/hocr", views.page_hocr, name="page_hocr"),
]
