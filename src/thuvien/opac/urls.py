from django.http import HttpResponse
from django.urls import path

app_name = "opac"
urlpatterns = [path("", lambda r: HttpResponse("thuvien"), name="home")]
