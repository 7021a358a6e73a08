"""ServiceRoute answers every request exactly as FastAPI's own route does.

Each test builds the same routes twice, on a plain FastAPI app (``APIRoute``) and
on one whose routes are ``ServiceRoute``, sends both the same requests and
compares status, headers and body byte for byte. A counting wrapper around
FastAPI's ``solve_dependencies`` shows which routes took the lean path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import fastapi.routing
import pytest
from fastapi import (
    APIRouter,
    Cookie,
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    Security,
)
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import SecurityScopes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from starlette.background import BackgroundTasks
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from aurora.app import ServiceRoute, ServiceRouter, create_service
from aurora.app._routing import VERIFIED_FASTAPI, lean_handler_active
from aurora.config import ServiceConfig


class Record(BaseModel):
    id: UUID
    name: str
    created_at: datetime
    score: float
    note: str | None = None
    display: str = Field(alias="displayName")


class Page(BaseModel):
    items: list[Record]
    next_cursor: str | None


class Filters(BaseModel):
    colour: str = "red"
    size: int = 1


ROWS = [
    {
        "id": UUID(int=index),
        "name": f"record {index}",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "score": index / 7,
        "displayName": f"Record {index}",
    }
    for index in range(5)
]


def dependency() -> str:
    return "solved"


_current_path: ContextVar[str] = ContextVar("current_path", default="")
CLEANED: list[str] = []


class RememberPath:
    """Makes the request's path known to the handler counter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _current_path.set(scope["path"])
        await self.app(scope, receive, send)


async def session(limit: Annotated[int, Query(ge=1)] = 5) -> AsyncIterator[dict[str, int]]:
    yield {"limit": limit}
    CLEANED.append("session")


def tagged(response: Response) -> None:
    response.headers["x-tagged"] = "yes"
    response.status_code = 203


def forbidden() -> None:
    raise HTTPException(status_code=403, detail="no")


def scoped(security_scopes: SecurityScopes) -> list[str]:
    return security_scopes.scopes


def add_routes(app: FastAPI, router_factory: Callable[..., APIRouter]) -> None:
    app.add_middleware(RememberPath)
    add_model_routes(app)
    add_parameter_routes(app)
    add_response_routes(app)
    add_routers(app, router_factory)


def add_model_routes(app: FastAPI) -> None:
    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/records", response_model=Page)
    async def records() -> Any:
        return {"items": ROWS, "next_cursor": None}

    @app.get("/records/sparse", response_model=Page, response_model_exclude_none=True)
    async def sparse() -> Any:
        return {"items": ROWS[:2], "next_cursor": None}

    @app.get("/records/by-name", response_model=Page, response_model_by_alias=False)
    def by_name() -> Any:  # a sync endpoint runs in the thread pool
        return {"items": ROWS[:2], "next_cursor": "abc"}

    @app.get("/wrong", response_model=Record)
    async def wrong() -> Any:
        return {"id": "not a uuid"}

    @app.get("/untyped")
    async def untyped() -> Any:
        return {"when": datetime(2026, 1, 1, tzinfo=UTC), "id": UUID(int=1)}


def add_parameter_routes(app: FastAPI) -> None:
    @app.get("/items/{item_id}")
    async def item(
        item_id: int,
        q: str | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        tags: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    ) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "limit": limit, "tags": tags}

    @app.get("/filtered")
    async def filtered(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    @app.get("/whoami")
    async def whoami(
        x_token: Annotated[str, Header()],
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, Any]:
        return {"token": x_token, "session": session}

    @app.get("/request")
    async def with_request(request: Request) -> dict[str, str]:
        return {"path": request.url.path}

    @app.get("/depends")
    async def depends(value: Annotated[str, Depends(dependency)]) -> dict[str, str]:
        return {"value": value}

    @app.get("/session", response_model=Page)
    async def with_session(
        db: Annotated[dict[str, int], Depends(session)], after: str | None = None
    ) -> Any:
        return {"items": ROWS[: db["limit"]], "next_cursor": after}

    @app.get("/tagged", dependencies=[Depends(tagged)], status_code=200)
    async def with_tag(response: Response) -> dict[str, str]:
        response.headers["x-endpoint"] = "set"
        return {"tagged": "yes"}

    @app.get("/forbidden", dependencies=[Depends(forbidden)])
    async def never() -> dict[str, str]:
        return {"never": "reached"}

    @app.get("/scoped")
    async def with_scopes(scopes: Annotated[list[str], Security(scoped, scopes=["read"])]) -> Any:
        return scopes

    @app.post("/later", status_code=202)
    async def later(tasks: BackgroundTasks) -> dict[str, bool]:
        tasks.add_task(CLEANED.append, "task")
        return {"queued": True}

    @app.get("/later/raw")
    async def later_raw(tasks: BackgroundTasks) -> Response:
        tasks.add_task(CLEANED.append, "raw task")
        return PlainTextResponse("raw")


def add_response_routes(app: FastAPI) -> None:
    @app.post("/created", status_code=201)
    async def created() -> dict[str, bool]:
        return {"created": True}

    @app.delete("/gone", status_code=204)
    async def gone() -> None:
        return None

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "plain"

    @app.get("/raw")
    async def raw() -> Response:
        return JSONResponse({"raw": True}, status_code=202, headers={"x-raw": "1"})

    @app.get("/missing")
    async def missing() -> dict[str, str]:
        raise HTTPException(status_code=404, detail="nope", headers={"x-why": "gone"})

    @app.exception_handler(ResponseValidationError)
    async def response_invalid(request: Request, exc: ResponseValidationError) -> Response:
        return JSONResponse({"errors": str(exc)}, status_code=500)


def add_routers(app: FastAPI, router_factory: Callable[..., APIRouter]) -> None:
    plain = router_factory(prefix="/plain")

    @plain.get("/{name}")
    async def plain_route(name: str) -> dict[str, str]:
        return {"name": name}

    guarded = router_factory(prefix="/guarded", dependencies=[Depends(dependency)])

    @guarded.get("/ping")
    async def guarded_ping() -> dict[str, str]:
        return {"status": "guarded"}

    app.include_router(plain)
    app.include_router(guarded)
    outer = router_factory(prefix="/outer")

    @outer.get("/ping")
    async def outer_ping() -> dict[str, str]:
        return {"status": "outer"}

    app.include_router(outer, dependencies=[Depends(dependency)])  # the include's own


# FastAPI's native telemetry would otherwise follow a global tracer provider
# that another test installed; with it on, both apps take FastAPI's handler.
TELEMETRY_OFF: Any = {"tracing": False, "metrics": False, "logs": False}


def fastapi_app() -> FastAPI:
    app = FastAPI(telemetry=TELEMETRY_OFF)
    add_routes(app, APIRouter)
    return app


def lean_app() -> FastAPI:
    app = FastAPI(telemetry=TELEMETRY_OFF)
    app.router.route_class = ServiceRoute
    add_routes(app, ServiceRouter)
    return app


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(fastapi_app()) as theirs, TestClient(lean_app()) as ours:
        yield theirs, ours


@pytest.fixture()
def fastapi_handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths whose request went through FastAPI's own request handler."""
    seen: list[str] = []
    original = fastapi.routing.get_telemetry_data

    def counting(*args: Any) -> Any:
        seen.append(_current_path.get())
        return original(*args)

    monkeypatch.setattr(fastapi.routing, "get_telemetry_data", counting)
    return seen


def exchange(client: TestClient, method: str, url: str, **kwargs: Any) -> tuple[Any, ...]:
    response = client.request(method, url, **kwargs)
    return response.status_code, response.headers.multi_items(), response.content


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/ping", {}),
    ("HEAD", "/ping", {}),
    ("POST", "/ping", {}),
    ("GET", "/records", {}),
    ("GET", "/records/sparse", {}),
    ("GET", "/records/by-name", {}),
    ("GET", "/items/3", {}),
    ("GET", "/items/3?q=x&limit=5&tags=a&tags=b", {}),
    ("GET", "/items/three", {}),
    ("GET", "/items/3?limit=0", {}),
    ("GET", "/items/3?limit=x&q=1", {}),
    ("GET", "/filtered?colour=blue&size=2", {}),
    ("GET", "/filtered?size=big", {}),
    ("GET", "/whoami", {"headers": {"x-token": "t", "cookie": "session=s; other=1"}}),
    ("GET", "/whoami", {}),
    ("GET", "/request", {}),
    ("POST", "/created", {}),
    ("DELETE", "/gone", {}),
    ("GET", "/text", {}),
    ("GET", "/raw", {}),
    ("GET", "/missing", {}),
    ("GET", "/wrong", {}),
    ("GET", "/untyped", {}),
    ("GET", "/depends", {}),
    ("GET", "/plain/alice", {}),
    ("GET", "/guarded/ping", {}),
    ("GET", "/outer/ping", {}),
    ("GET", "/session", {}),
    ("GET", "/session?limit=2&after=x", {}),
    ("GET", "/session?limit=0", {}),
    ("GET", "/tagged", {}),
    ("GET", "/forbidden", {}),
    ("GET", "/scoped", {}),
    ("POST", "/later", {}),
    ("GET", "/later/raw", {}),
    ("GET", "/nowhere", {}),
]


def test_the_lean_path_runs_on_this_fastapi() -> None:
    assert ".".join(fastapi.__version__.split(".")[:2]) in VERIFIED_FASTAPI
    assert lean_handler_active()


@pytest.mark.parametrize(
    ("method", "url", "kwargs"), REQUESTS, ids=[f"{m} {u}" for m, u, _ in REQUESTS]
)
def test_every_response_is_fastapis(
    clients: tuple[TestClient, TestClient], method: str, url: str, kwargs: dict[str, Any]
) -> None:
    theirs, ours = clients
    assert exchange(ours, method, url, **kwargs) == exchange(theirs, method, url, **kwargs)


def test_fastapis_handler_serves_only_what_the_lean_one_hands_back(
    clients: tuple[TestClient, TestClient], fastapi_handled: list[str]
) -> None:
    _, ours = clients
    for method, url, kwargs in REQUESTS:
        ours.request(method, url, **kwargs)
    # Invalid parameters of a route without dependencies: FastAPI's handler raises its 422.
    assert sorted(fastapi_handled) == sorted(
        ["/items/three", "/items/3", "/items/3", "/filtered", "/whoami"]
    )


def test_dependencies_clean_up_and_tasks_run(clients: tuple[TestClient, TestClient]) -> None:
    _, ours = clients
    CLEANED.clear()
    ours.get("/session")
    ours.post("/later")
    ours.get("/later/raw")
    assert ["session", "task", "raw task"] == CLEANED


def test_the_response_model_still_validates(clients: tuple[TestClient, TestClient]) -> None:
    _, ours = clients
    response = ours.get("/wrong")
    assert response.status_code == 500
    assert "test_routing.py" in response.json()["errors"]  # FastAPI's endpoint context
    assert "GET /wrong" in response.json()["errors"]


def test_a_services_routes_are_lean_by_default(fastapi_handled: list[str]) -> None:
    config = ServiceConfig.composed().model_validate({"service": {"name": "lean"}})
    service = create_service("lean", config, configure_logging=False)

    @service.app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    with TestClient(service.app) as client:
        assert client.get("/hello").json() == {"hello": "world"}
        assert client.get("/health/live").status_code == 200
    assert fastapi_handled == []
    assert all(
        isinstance(r, ServiceRoute) for r in service.app.router.routes if hasattr(r, "dependant")
    )


def test_native_telemetry_gets_fastapis_operation_spans() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    names: list[list[str]] = []
    for route_class in (fastapi.routing.APIRoute, ServiceRoute):
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        app = FastAPI(telemetry={"tracer_provider": provider})
        app.router.route_class = route_class

        @app.get("/ping")
        async def ping() -> dict[str, str]:
            return {"status": "ok"}

        with TestClient(app) as client:
            assert client.get("/ping").json() == {"status": "ok"}
        names.append(sorted(span.name for span in exporter.get_finished_spans()))
    assert names[0] == names[1]
    assert len(names[0]) > 1  # the request span and FastAPI's operation spans


queries = st.lists(
    st.tuples(
        st.sampled_from(["q", "limit", "tags", "other", "LIMIT"]),
        st.text(alphabet="ab0123456789-x%&=+ é", max_size=6),
    ),
    max_size=5,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=queries, item=st.text(alphabet="0123456789-x", min_size=1, max_size=4))
def test_any_query_gets_fastapis_answer(
    clients: tuple[TestClient, TestClient], pairs: list[tuple[str, str]], item: str
) -> None:
    theirs, ours = clients
    params = [(key, value) for key, value in pairs]
    url = f"/items/{item}"
    assert exchange(ours, "GET", url, params=params) == exchange(theirs, "GET", url, params=params)
