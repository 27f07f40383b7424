"""The error answers every operation may give, written into the OpenAPI description.

django-ninja answers a request whose parameters do not validate with HTTP 422
(``{"detail": [...]}``) and a missing object (``Http404``) with 404 (``{"detail": "..."}``),
and a request body that is not JSON at all with 400 (``{"detail": "Cannot parse request
body"}``), but does not describe those answers. ``document_errors(api)`` adds them to each
operation that takes parameters (422), a body (400), a path parameter (404) or needs
authentication (401), so that clients and schemathesis know every answer an operation can give.
"""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}


def _response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _add(responses, status, description, schema):
    if status not in responses and str(status) not in responses:
        responses[status] = _response(description, schema)


def _also_unparsable_body(responses):
    """A 400 documented by the operation itself (a refusal) may also be ninja's parse error."""
    content = responses.get(400, responses.get("400", {})).get("content", {}).get("application/json")
    if content is None:
        _add(responses, 400, "Request body is not valid JSON", ERROR)
    elif "anyOf" not in content["schema"]:
        content["schema"] = {"anyOf": [content["schema"], ERROR]}


def add_error_responses(schema):
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters") or []
            responses = operation["responses"]
            if parameters or "requestBody" in operation:
                _add(responses, 422, "Invalid parameters", VALIDATION_ERROR)
            if "requestBody" in operation:
                _also_unparsable_body(responses)
            if any(p.get("in") == "path" for p in parameters):
                _add(responses, 404, "Not found", ERROR)
            if operation.get("security"):
                _add(responses, 401, "Authentication required", ERROR)
    return schema


def document_errors(api):
    original = api.get_openapi_schema

    def get_openapi_schema(*args, **kwargs):
        return add_error_responses(original(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema
