"""The OpenAPI document's security schemes and error answers, which django-ninja cannot infer.

Our auth callables read keys from places ninja's own security classes do not cover (the Event API's path, HTTP
Basic with the key as user name), so the schemes are declared here and attached to each operation by its path.
Every operation also lists the error answers the API gives: 400 (bad body or records), 401 (missing, wrong or
revoked key), 403 (a key of another kind of source), 404 (unknown path or object), 413 (body, file or batch too
large; operations with a body) and 422 (a query or path value of the wrong type).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

SECURITY_SCHEMES = {
    "apiKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": "An API source's key (CSV source keys for /api/v2/imports).",
    },
    "apiKeyBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "HTTP Basic with user name `api` and the source's key as password.",
    },
    "segmentWriteKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Segment's libraries: HTTP Basic with the Segment source's write key as user name, no password.",
    },
}

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "`detail` on authentication, lookup and validation errors; ingestion errors add the rest.",
    "properties": {
        "detail": {"description": "What went wrong (a list of field errors for 422).", "type": ["string", "array"]},
        "message": {"type": "string"},
        "code": {"type": "string"},
        "status_is_ok": {"type": "boolean"},
        "failed_results": {"type": "array", "items": {"type": "object"}},
    },
}

ERRORS = {
    "400": "The body or its records are invalid (each failed record is named).",
    "401": "A valid API key is required.",
    "403": "The key belongs to a source of another kind.",
    "404": "No such path or object.",
    "413": "The body, file or batch is larger than the limits.",
    "422": "A query or path value has the wrong type or range.",
}

EVENT_API_NOTE = (
    " Authentication: the source's public id and one of its keys in the path (`/v1/{auth_key}/{api_key}`); the"
    " server's logs write the key as [redacted]."
)


def _security_for(path: str, operation: dict) -> list[dict] | None:
    if path == "/v1/{auth_key}/{api_key}":
        return None
    if path.startswith("/v1/"):
        return [{"segmentWriteKey": []}]
    if path.startswith("/api/v2/"):
        return [{"apiKeyQuery": []}, {"apiKeyBasic": []}]
    return None


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (ninja's document) with the security schemes, each operation's security and its error answers."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method.startswith("x-"):
                continue
            security = _security_for(path, operation)
            if security is not None:
                operation["security"] = security
            elif path == "/v1/{auth_key}/{api_key}":
                operation["description"] = (operation.get("description") or "").strip() + EVENT_API_NOTE
            responses = operation.setdefault("responses", {})
            for status, text in ERRORS.items():
                if status == "413" and "requestBody" not in operation:
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return schema


class NateroAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares our security schemes and error answers."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        return document(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
