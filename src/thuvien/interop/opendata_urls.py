"""/opendata and its files, added to ``interop.urls``."""

from django.urls import path

from thuvien.interop import opendata_views

urlpatterns = [
    path("opendata", opendata_views.index, name="opendata"),
    path("opendata/<str:name>", opendata_views.download, name="opendata_file"),
]
