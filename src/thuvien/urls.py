"""URL map. Each domain app mounts its public and staff pages under its own prefix."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("thuvien.api.urls")),
    path("staff/", include("thuvien.staff.urls")),
    path("staff/catalog/", include("thuvien.catalog.urls")),
    path("staff/circulation/", include("thuvien.circulation.urls")),
    path("staff/sip2/", include("thuvien.interop.sip2.urls")),  # SIP2 kiosk accounts
    path("staff/harvest/", include("thuvien.interop.harvest.urls")),  # OAI-PMH harvester
    path("", include("thuvien.interop.urls")),  # /oai, /sru, /opendata
    path("", include("thuvien.digital.urls")),  # /iiif/..., /digital/..., /staff/digital/...
    path("account/", include("thuvien.circulation.account_urls")),  # the reader's account (OPAC)
    path("", include("thuvien.opac.urls")),
]
