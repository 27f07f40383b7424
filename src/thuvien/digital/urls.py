from django.urls import path

app_name = "digital"
urlpatterns: list = []
