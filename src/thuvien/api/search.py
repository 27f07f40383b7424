from ninja import Schema

from thuvien.api.router import api


class PingOut(Schema):
    ok: bool


@api.get("/v1/ping", response=PingOut)
def ping(request):
    return {"ok": True}
