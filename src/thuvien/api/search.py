from thuvien.api.router import api


@api.get("/v1/ping")
def ping(request):
    return {"ok": True}
