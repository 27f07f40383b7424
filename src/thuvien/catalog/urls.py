from thuvien.cataloguing.urls import urlpatterns  # noqa: F401 (the cataloguer's screens)

app_name = "catalog"
