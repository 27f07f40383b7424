from django.urls import path

from thuvien.opac import feeds, views

app_name = "opac"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("record/<int:pk>/", views.record, name="record"),
    path("libraries/", views.libraries, name="libraries"),
    path("libraries/<str:code>/", views.library, name="library"),
    path("libraries/<str:code>/search/", views.search, name="library_search"),
    path("new/", views.new_acquisitions, name="new"),
    path("new/rss/", feeds.NewAcquisitionsRss(), name="new_rss"),
    path("new/atom/", feeds.NewAcquisitionsAtom(), name="new_atom"),
]
