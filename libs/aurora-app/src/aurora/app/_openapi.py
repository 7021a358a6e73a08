"""Keep the OpenAPI document honest about errors.

FastAPI documents validation failures as its own ``HTTPValidationError`` JSON,
but an Aurora service answers ``application/problem+json``. This rewrites the
generated document once: a ``Problem`` schema, 422s that reference it, 401/403
on operations that require a bearer token, and a ``default`` problem response
everywhere (any operation can fail with a 5xx).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from aurora.errors import PROBLEM_CONTENT_TYPE

__all__ = ["install_problem_openapi"]

_REF = "#/components/schemas/Problem"


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    model_config = ConfigDict(extra="allow")

    pointer: str | None = Field(default=None, examples=["#/body/name"])
    detail: str
    code: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem, as every Aurora error is reported."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", examples=["urn:aurora:problem:not_found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = Field(default=None, description="Stable machine-readable error code.")
    correlation_id: str | None = Field(
        default=None, description="Quote it when reporting the error."
    )
    errors: list[FieldProblem] | None = None


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _REF}}},
    }


def _rewrite_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = _problem_response("Validation Failed")
    if operation.get("security"):
        responses.setdefault("401", _problem_response("Unauthorized"))
        responses.setdefault("403", _problem_response("Forbidden"))
    responses.setdefault("default", _problem_response("Error"))


def _add_schemas(schema: dict[str, Any]) -> None:
    schemas: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    # FastAPI's own validation schemas are dead once every 422 points at Problem.
    for unused in ("HTTPValidationError", "ValidationError"):
        _drop_if_unreferenced(schema, schemas, unused)


def _drop_if_unreferenced(schema: dict[str, Any], schemas: dict[str, Any], name: str) -> None:
    definition = schemas.pop(name, None)
    if definition is not None and f'"#/components/schemas/{name}"' in json.dumps(schema):
        schemas[name] = definition


def install_problem_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` document problem responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    _rewrite_operation(operation)
        _add_schemas(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
