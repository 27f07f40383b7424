from django.urls import path

from thuvien.api.router import api

urlpatterns = [path("", api.urls)]
