from django.conf import settings


def site(request):
    return {"SITE_NAME": getattr(settings, "THUVIEN_SITE_NAME", None)}
