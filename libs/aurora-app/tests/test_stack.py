"""The rest of the stack: CORS, security headers, GZip, body limit, settings, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pydantic
import pytest
from fastapi import Request
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from aurora.app import AppSettings, Service, create_service
from aurora.config import ConfigError, ServiceConfig, reset_config_cache
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]

ORIGIN = "https://app.example.com"


def test_cors_wildcard_with_credentials_is_refused_at_startup(make_service: MakeService) -> None:
    with pytest.raises(ConfigError, match="CORS") as raised:
        make_service(security={"cors_origins": ["*"], "cors_allow_credentials": True})
    assert "AURORA_SECURITY__CORS_ORIGINS" in str(raised.value)


def test_cors_wildcard_without_credentials_is_allowed(make_service: MakeService) -> None:
    app = make_service(security={"cors_origins": ["*"]}).app
    response = TestClient(app).get("/health/live", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_answers_preflight_for_configured_origins(make_service: MakeService) -> None:
    app = make_service(security={"cors_origins": [ORIGIN], "cors_allow_credentials": True}).app
    client = TestClient(app)
    preflight = client.options(
        "/health/live",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["x-request-id"]
    response = client.get("/health/live", headers={"Origin": ORIGIN})
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]
    other = client.get("/health/live", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


def test_no_cors_headers_without_configured_origins(make_service: MakeService) -> None:
    response = TestClient(make_service().app).get("/health/live", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_security_headers_on_every_response(make_service: MakeService) -> None:
    client = TestClient(make_service().app)
    for path in ("/health/live", "/missing"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert (
            response.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert "strict-transport-security" not in response.headers


def test_hsts_only_over_https(make_service: MakeService) -> None:
    client = TestClient(make_service().app, base_url="https://testserver")
    assert client.get("/health/live").headers["strict-transport-security"] == "max-age=31536000"


def test_docs_pages_are_exempt_from_the_strict_csp(make_service: MakeService) -> None:
    response = TestClient(make_service().app).get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_headers_set_by_the_app_win(make_service: MakeService) -> None:
    app = make_service().app

    @app.get("/framed")
    async def framed() -> JSONResponse:
        return JSONResponse({}, headers={"Content-Security-Policy": "frame-ancestors 'self'"})

    response = TestClient(app).get("/framed")
    assert response.headers.get_list("content-security-policy") == ["frame-ancestors 'self'"]


def test_security_headers_can_be_switched_off(make_service: MakeService) -> None:
    response = TestClient(make_service(security_headers=False).app).get("/health/live")
    assert "x-content-type-options" not in response.headers


def test_gzip_is_optional(make_service: MakeService) -> None:
    for enabled in (False, True):
        app = make_service(gzip=enabled, gzip_minimum_size=10).app

        @app.get("/big")
        async def big() -> dict[str, str]:
            return {"data": "x" * 2000}

        response = TestClient(app).get("/big", headers={"Accept-Encoding": "gzip"})
        assert response.json() == {"data": "x" * 2000}
        assert (response.headers.get("content-encoding") == "gzip") is enabled


@pytest.fixture()
def upload_client(make_service: MakeService) -> TestClient:
    app = make_service(max_body_size=100).app

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return TestClient(app)


def test_declared_oversized_body_is_a_413_problem(upload_client: TestClient) -> None:
    response = upload_client.post("/upload", content=b"x" * 101, headers={"X-Request-ID": "big-1"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert response.headers["x-request-id"] == "big-1"


def test_streamed_oversized_body_is_a_413_problem(upload_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 30

    response = upload_client.post("/upload", content=chunks())
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_bodies_within_the_limit_pass(upload_client: TestClient) -> None:
    assert upload_client.post("/upload", content=b"x" * 100).json() == {"size": 100}

    def chunks() -> Iterator[bytes]:
        yield b"x" * 50

    assert upload_client.post("/upload", content=chunks()).json() == {"size": 50}


def test_settings_come_from_the_config(make_service: MakeService) -> None:
    settings = AppSettings.model_validate({"gzip": True, "rate_limit": {"limit": 7}})
    service = create_service(
        "demo-service",
        ServiceConfig.composed().model_validate({"service": {"name": "demo"}, "app": settings}),
        configure_logging=False,
    )
    assert service.settings.gzip is True
    assert service.settings.rate_limit.limit == 7


def test_options_override_given_settings(make_service: MakeService) -> None:
    service = make_service(settings=AppSettings(gzip=True, metrics=False), metrics=True)
    assert service.settings.gzip is True
    assert service.settings.metrics is True


def test_unknown_options_are_rejected(make_service: MakeService) -> None:
    with pytest.raises(pydantic.ValidationError, match="gzipp"):
        make_service(gzipp=True)


def test_app_metadata_comes_from_the_config(make_service: MakeService) -> None:
    app = make_service(service={"title": "Demo API"}).app
    assert (app.title, app.version, app.description) == ("Demo API", "1.2.3", "A demo")


def test_openapi_documents_problem_responses(make_service: MakeService) -> None:
    app = make_service().app

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    schema = TestClient(app).get("/openapi.json").json()
    responses = schema["paths"]["/items/{item_id}"]["get"]["responses"]
    problem = {"$ref": "#/components/schemas/Problem"}
    assert responses["422"]["content"] == {"application/problem+json": {"schema": problem}}
    assert responses["default"]["content"]["application/problem+json"]["schema"] == problem
    schemas = schema["components"]["schemas"]
    assert {"Problem", "FieldProblem"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    assert "/health/ready" in schema["paths"]
    assert "/metrics" not in schema["paths"]


def test_docs_can_be_switched_off(make_service: MakeService) -> None:
    client = TestClient(make_service(docs=False).app)
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404


def test_probe_routes_move_behind_service_routes(make_service: MakeService) -> None:
    app = make_service().app

    @app.get("/orders")
    async def orders() -> list[str]:
        return []

    TestClient(app).get("/orders")
    paths = [getattr(route, "path", "") for route in app.router.routes]
    assert paths.index("/orders") < paths.index("/health/live")
    for docs in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
        assert paths.index("/orders") < paths.index(docs)


def test_docs_stay_in_front_of_a_catch_all_route(make_service: MakeService) -> None:
    app = make_service().app

    @app.get("/{slug}")
    async def page(slug: str) -> dict[str, str]:
        return {"page": slug}

    client = TestClient(app)
    assert client.get("/openapi.json").json()["info"]["title"]
    assert client.get("/docs").headers["content-type"].startswith("text/html")
    assert client.get("/about").json() == {"page": "about"}


def test_a_service_route_on_a_docs_path_is_not_moved(make_service: MakeService) -> None:
    app = make_service(docs=False).app

    @app.get("/docs")
    async def own_docs() -> dict[str, str]:
        return {"docs": "ours"}

    @app.get("/orders")
    async def orders() -> list[str]:
        return []

    client = TestClient(app)
    assert client.get("/docs").json() == {"docs": "ours"}
    paths = [getattr(route, "path", "") for route in app.router.routes]
    assert paths.index("/docs") < paths.index("/orders")


def test_probes_stay_in_front_of_a_catch_all_route(make_service: MakeService) -> None:
    app = make_service().app

    @app.get("/{slug}")
    async def page(slug: str) -> dict[str, str]:
        return {"page": slug}

    client = TestClient(app)
    assert client.get("/info").json()["name"] == "demo-service"
    assert client.get("/about").json() == {"page": "about"}


def test_config_is_loaded_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__VERSION", "9.9.9")
    reset_config_cache()
    try:
        service = create_service("env-loaded-service", configure_logging=False)
    finally:
        reset_config_cache()
    assert service.config.service.name == "env-loaded-service"
    assert service.app.version == "9.9.9"


def test_create_service_configures_logging(make_service: MakeService) -> None:
    service = make_service("logged-service", configure_logging=True)
    with capture_logs() as events:
        TestClient(service.app).get("/anything")
    assert events[-1]["service"] == "logged-service"
