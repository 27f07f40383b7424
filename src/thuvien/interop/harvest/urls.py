from django.urls import path

from thuvien.interop.harvest import views

app_name = "harvest"
urlpatterns = [
    path("", views.sources, name="sources"),
    path("<int:pk>/", views.source_detail, name="source"),
]
