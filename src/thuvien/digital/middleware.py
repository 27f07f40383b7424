"""A short cut for IIIF tiles of open material, ahead of sessions, CSRF and the URL map.

Open tiles need no visitor: one cached lookup decides, and the file is sent. Anything
else (restricted pages, info.json, unknown paths) goes on to the normal views, which
check access with the visitor's session.
"""

import re

from thuvien.digital import serving
from thuvien.digital.models import AccessLevel

_TILE = re.compile(r"^/iiif/3/(\d+)/([^/]+)/([^/]+)/([^/]+)/([^/]+)$")


class OpenTileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.path_info.startswith("/iiif/3/"):
            match = _TILE.match(request.path_info)
            if match:
                facts = serving.page_facts(int(match.group(1)))
                if facts is not None and facts.level == AccessLevel.OPEN:
                    path = serving.tile_path(facts, *match.groups()[1:])
                    if path is not None:
                        return serving.send_file(path, "image/jpeg", facts.level)
        return self.get_response(request)
