from django.contrib.auth import views as auth_views
from django.urls import path

from thuvien.staff import accounts_views, views
from thuvien.staff.login import StaffLoginView

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", accounts_views.accounts, name="accounts"),
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="opac:home"), name="logout"),
]
