"""The REST API under /api/v1/, described by OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="thuvien API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/v1/openapi.json",
    description="Open API of the provincial library network: search, records, holdings.",
)

from thuvien.api import search  # noqa: E402,F401  (registers the search routes)

from thuvien.digital.api import router as digital_router  # noqa: E402

api.add_router("/v1/digital", digital_router)

from thuvien.opac.api import router as opac_router  # noqa: E402

api.add_router("/v1", opac_router)
api.add_router("/v1/circulation", "thuvien.circulation.api.router")
from thuvien.api.openapi import document_errors  # noqa: E402  (422/404/401 answers in the OpenAPI)

document_errors(api)
