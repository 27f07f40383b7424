"""The staff login: Django's, with failed attempts counted per account and per address."""

from django.contrib.auth import views as auth_views

from thuvien.accounts import throttle


class StaffLoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    next_page = "staff:home"

    def _attempt(self):
        return throttle.LoginForm("staff", self.request, str(self.request.POST.get("username", ""))[:150])

    def post(self, request, *args, **kwargs):
        if self._attempt().blocked():
            # Refused before the password is checked: guessing on costs nothing and learns nothing.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, throttled=True))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.request.POST.get("username"):
            self._attempt().failed()
        return super().form_invalid(form)

    def form_valid(self, form):
        self._attempt().succeeded()
        return super().form_valid(form)
