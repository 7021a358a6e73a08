"""list_query_dependency: query parameters to filters, order and page; the rest refused as 422."""

# No `from __future__ import annotations`: FastAPI resolves the route's annotations at runtime.

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from db_models import Course
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from aurora.db import (
    AsyncBaseRepository,
    EngineRegistry,
    Equal,
    In,
    ListQuery,
    Range,
    Search,
    list_query_dependency,
)
from aurora.errors import PROBLEM_CONTENT_TYPE, AuroraError, to_problem
from aurora.testing.process import child_python_path

SERVICE = "subject-service"  # the service the registry fixture configures

courses_query = list_query_dependency(
    Course,
    filters={"title": ("eq", "in"), "level": ("eq", "ge", "lt"), "created_at": ("ge",)},
    search=("title",),
    sort=("title", "level"),
    default_sort=("title",),
    max_limit=20,
)


def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuroraError)
    body = to_problem(exc, instance=request.url.path).to_dict()
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_CONTENT_TYPE)


def _app(registry: EngineRegistry) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(AuroraError, _problem)

    @app.get("/query")
    def echo(query: Annotated[ListQuery, Depends(courses_query)]) -> dict[str, Any]:
        return {
            "filters": [repr(f) for f in query.filters],
            **query.page,
            "order_by": query.order_by,
        }

    @app.get("/courses")
    async def courses(query: Annotated[ListQuery, Depends(courses_query)]) -> dict[str, Any]:
        async with registry.async_sessionmaker(SERVICE)() as session:
            page = await AsyncBaseRepository(session, Course).paginate_keyset(
                *query.filters, order_by=query.order_by, **query.page
            )
        return {
            "titles": [c.title for c in page.items],
            "next": page.next_cursor,
            "prev": page.prev_cursor,
        }

    return app


@pytest.fixture()
async def client(async_registry: EngineRegistry) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(async_registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_parameters_become_filter_objects(client):
    response = await client.get(
        "/query",
        params={"title__in": ["A", "B"], "level__ge": "2", "level": "3", "q": "alg", "limit": 5},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filters"] == [
        repr(In("title", ["A", "B"])),
        repr(Equal("level", 3)),
        repr(Range("level", ge=2)),
        repr(Search(("title",), "alg")),
    ]
    assert (body["limit"], body["after"], body["order_by"]) == (5, None, ["title"])


async def test_sort_is_parsed_and_empty_cursors_are_none(client):
    body = (await client.get("/query", params={"sort": "-level,title", "after": ""})).json()
    assert (body["order_by"], body["after"]) == (["-level", "title"], None)


@pytest.mark.parametrize(
    ("params", "pointer", "code"),
    [
        ({"colour": "red"}, "#/query/colour", "unknown_field"),
        ({"title__gt": "A"}, "#/query/title__gt", "unknown_operator"),
        ({"sort": "colour"}, "#/query/sort", "unknown_sort_field"),
        ({"q": "a\x00b"}, "#/query/q", None),
    ],
)
async def test_what_is_not_offered_is_a_422_problem(client, params, pointer, code):
    response = await client.get("/query", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    problem = response.json()
    assert problem["code"] == "validation_failed"
    (error,) = problem["errors"]
    assert error["pointer"] == pointer
    if code is not None:
        assert error.get("code") == code


async def test_both_cursors_are_a_400_like_a_made_up_one(client):
    response = await client.get("/query", params={"after": "x", "before": "y"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("params", "location", "kind"),
    [
        ({"level": "high"}, ["query", "level"], "int_parsing"),
        ({"created_at__ge": "2026-01-01T00:00:00"}, ["query", "created_at__ge"], "timezone_aware"),
        ({"limit": "21"}, ["query", "limit"], "less_than_equal"),
        ({"created_at__ge": "0.0"}, ["query", "created_at__ge"], "value_error"),
    ],
)
async def test_values_are_validated_by_type(client, params, location, kind):
    """FastAPI's own 422s (which aurora-app turns into problems) for ill-typed values."""
    response = await client.get("/query", params=params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (location, kind)


async def test_openapi_documents_every_offered_parameter(client):
    spec = (await client.get("/openapi.json")).json()
    parameters = {p["name"]: p for p in spec["paths"]["/courses"]["get"]["parameters"]}
    assert set(parameters) == {
        "title", "title__in", "level", "level__ge", "level__lt", "created_at__ge",
        "q", "sort", "limit", "after", "before",
    }  # fmt: skip
    assert parameters["title__in"]["schema"]["anyOf"][0]["type"] == "array"
    assert parameters["limit"]["schema"]["maximum"] == 20
    assert "title, level" in parameters["sort"]["description"]


@pytest.mark.parametrize(
    ("sort", "valid"),
    [("", True), ("title", True), ("-level, title", True), ("title,", True), ("colour", False),
     ("titlelevel", False)],
)  # fmt: skip
async def test_openapi_states_the_sortable_fields_as_a_pattern(client, sort, valid):
    spec = (await client.get("/openapi.json")).json()
    [parameter] = [p for p in spec["paths"]["/courses"]["get"]["parameters"] if p["name"] == "sort"]
    pattern = parameter["schema"]["pattern"]
    assert (re.match(pattern, sort) is not None) == valid


async def test_a_listing_filters_sorts_and_pages_both_ways(client, repo_factory):
    repo = repo_factory(Course)
    await repo.insert_many([{"title": f"c{i}", "level": i % 3} for i in range(9)])
    await repo.commit()
    await repo.close()
    params = {"level__ge": 1, "sort": "-level,title", "limit": 2}
    first = (await client.get("/courses", params=params)).json()
    assert first["titles"] == ["c2", "c5"]
    second = (await client.get("/courses", params={**params, "after": first["next"]})).json()
    assert second["titles"] == ["c8", "c1"]
    back = (await client.get("/courses", params={**params, "before": second["prev"]})).json()
    assert back["titles"] == first["titles"]


def test_a_declared_field_must_exist():
    with pytest.raises(ValueError, match="no column 'colour'"):
        list_query_dependency(Course, filters={"colour": ("eq",)})
    with pytest.raises(ValueError, match="unknown filter operators"):
        list_query_dependency(Course, filters={"title": ("like",)})


def test_importing_aurora_db_does_not_import_fastapi():
    """FastAPI is needed only by the dependencies, built on demand (an optional extra)."""
    code = "import sys, aurora.db; print(sorted({'fastapi', 'starlette'} & set(sys.modules)))"
    environment = {**os.environ, "PYTHONPATH": child_python_path()}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
