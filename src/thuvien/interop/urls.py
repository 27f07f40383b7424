from django.urls import path

app_name = "interop"
urlpatterns: list = []
urlpatterns.append(path("sru", __import__("thuvien.interop.sru.views", fromlist=["sru"]).sru, name="sru"))  # SRU helper
urlpatterns.append(path("opendata", __import__("django.urls", fromlist=["include"]).include("thuvien.interop.opendata_urls")))  # open data helper
