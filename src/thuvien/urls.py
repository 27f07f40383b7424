from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("thuvien.api.urls")),
    path("staff/", include("thuvien.staff.urls")),
    path("", include("thuvien.opac.urls")),
]
