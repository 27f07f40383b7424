from django.urls import path

app_name = "interop"
urlpatterns: list = []
urlpatterns.append(path("sru", __import__("thuvien.interop.sru.views", fromlist=["sru"]).sru, name="sru"))  # SRU helper
urlpatterns.append(path("oai", __import__("thuvien.interop.oai.views", fromlist=["oai"]).oai, name="oai"))  # OAI-PMH provider
