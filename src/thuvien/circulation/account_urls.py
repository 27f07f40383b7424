"""The reader's own account in the OPAC, mounted at /account/ (namespace "account")."""

from django.urls import path

from thuvien.circulation.views import account

app_name = "account"
urlpatterns = [
    path("", account.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("register", account.register, name="register"),
    path("register/", account.register),
    path("renew/", account.renew, name="renew"),
    path("holds/new/<int:record_id>/", account.place_hold, name="place_hold"),
    path("holds/<int:pk>/cancel/", account.cancel_hold, name="cancel_hold"),
    path("history/", account.history, name="history"),
    path("requests/", account.requests_list, name="requests"),
    path("requests/copy/new/<int:record_id>/", account.request_copy, name="request_copy"),
    path("requests/postal/new/<int:record_id>/", account.request_postal, name="request_postal"),
    path("requests/<str:kind>/<int:pk>/cancel/", account.cancel_request, name="cancel_request"),
    path("requests/copy/<int:pk>/file", account.copy_file, name="copy_file"),
]
