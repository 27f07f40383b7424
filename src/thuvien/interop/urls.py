"""Open interfaces mounted at the site root: /oai, /sru and /opendata."""

from django.urls import include, path

from thuvien.interop.oai.views import oai
from thuvien.interop.sru.views import sru

app_name = "interop"
urlpatterns = [
    path("oai", oai, name="oai"),
    path("sru", sru, name="sru"),
    path("", include("thuvien.interop.opendata_urls")),  # /opendata, /opendata/FILE
]
