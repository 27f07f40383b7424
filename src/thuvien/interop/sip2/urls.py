from django.urls import path

from thuvien.interop.sip2 import views

app_name = "sip2"
urlpatterns = [path("", views.kiosks, name="kiosks")]
