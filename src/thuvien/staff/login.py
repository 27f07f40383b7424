"""The staff login: Django's, with failed attempts counted per account and per address."""

from django.contrib.auth import views as auth_views

from thuvien.accounts import throttle

MAX_FAILURES = 5  # per user name; four times as many from one address


class StaffLoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    next_page = "staff:home"

    def _keys(self):
        name = str(self.request.POST.get("username", ""))[:150]
        return throttle.key("staff", name), throttle.key("staff-address", throttle.address_of(self.request))

    def post(self, request, *args, **kwargs):
        by_name, by_address = self._keys()
        if throttle.blocked(by_name, MAX_FAILURES) or throttle.blocked(by_address, MAX_FAILURES * 4):
            # Refused before the password is checked: guessing on costs nothing and learns nothing.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, throttled=True))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.request.POST.get("username"):
            for cache_key in self._keys():
                throttle.failed(cache_key)
        return super().form_invalid(form)

    def form_valid(self, form):
        throttle.cleared(self._keys()[0])
        return super().form_valid(form)
