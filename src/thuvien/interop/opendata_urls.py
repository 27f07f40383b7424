"""Mounted at /opendata by ``interop.urls``."""

from django.urls import path

from thuvien.interop import opendata_views

urlpatterns = [
    path("", opendata_views.index, name="opendata"),
    path("/<str:name>", opendata_views.download, name="opendata_file"),
]
