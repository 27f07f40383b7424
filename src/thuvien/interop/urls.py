"""Open interfaces mounted at the site root: /oai, /sru and /opendata."""

from django.urls import path

from thuvien.interop import opendata_views
from thuvien.interop.oai.views import oai
from thuvien.interop.sru.views import sru

app_name = "interop"
urlpatterns = [
    path("oai", oai, name="oai"),
    path("sru", sru, name="sru"),
    path("opendata", opendata_views.index, name="opendata"),
    path("opendata.json", opendata_views.listing, name="opendata_listing"),
    path("opendata/<str:name>", opendata_views.download, name="opendata_file"),
]
