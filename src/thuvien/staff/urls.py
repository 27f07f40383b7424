from django.contrib.auth import views as auth_views
from django.urls import path

from thuvien.staff import accounts_views, views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", accounts_views.accounts, name="accounts"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, next_page="staff:home"),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="opac:home"), name="logout"),
]
