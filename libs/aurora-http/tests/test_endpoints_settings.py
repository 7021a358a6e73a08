"""The services registry: endpoints from variables and from services.yml (variables win)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora.config import ConfigError, ServiceConfig, ValueSource, describe_config
from aurora.http import ServiceEndpoint, ServiceEndpoints
from aurora.testing.config import SOURCES, Source, isolated_config, set_variable


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with isolated_config(monkeypatch, tmp_path / "cwd") as directory:
        yield directory


@pytest.mark.parametrize("source", SOURCES)
def test_an_endpoint_field_reaches_the_section_from_every_source(
    source: Source, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = "AURORA_SERVICES__BILLING__URL"
    set_variable(source, variable, "http://billing:8009", monkeypatch=monkeypatch, workdir=workdir)

    config = ServiceConfig.load("gateway")

    assert config.section(ServiceEndpoints)["billing"].url == "http://billing:8009"
    origins = {entry.variable: entry.source for entry in describe_config(config)}
    assert origins[variable] is ValueSource(source)


def test_endpoint_from_variables_is_found_by_kebab_or_snake_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__URL", "http://subjects:8002/")
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT", "2.5")

    services = ServiceConfig.load("gateway").services

    endpoint = services.get("subject-service")
    assert endpoint == ServiceEndpoint(url="http://subjects:8002", timeout=2.5)
    assert services["subject_service"] is endpoint
    assert "SUBJECT_SERVICE" in services
    assert dict(services) == {"subject-service": endpoint}


def test_a_bare_service_variable_is_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES__USER_SERVICE", "https://users.internal")

    endpoint = ServiceConfig.load("gateway").services["user-service"]

    assert endpoint.url == "https://users.internal"
    assert (endpoint.timeout, endpoint.connect_timeout, endpoint.max_connections) == (10, 5, 100)


def test_unknown_service_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    services = ServiceConfig.load("gateway").services

    assert services.get("nope") is None
    with pytest.raises(KeyError, match="AURORA_SERVICES__NOPE__URL"):
        services["nope"]


def test_endpoint_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__URL", "subjects:8002")

    with pytest.raises(ConfigError, match="AURORA_SERVICES__SUBJECT_SERVICE__URL"):
        ServiceConfig.load("gateway")


def test_a_missing_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT", "3")

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("gateway")

    assert str(caught.value.problems[0]) == "AURORA_SERVICES__SUBJECT_SERVICE__URL: Field required"


def test_a_typo_in_an_endpoint_field_is_suggested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUTS", "3")

    with pytest.raises(ConfigError, match="did you mean AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT"):
        ServiceConfig.load("gateway", strict=True)


REGISTRY = """\
# written by the service generator
subject-service:
  port: 8002
user_service:
  port: 8003
  url: http://users:8003
gateway:
  port: 8000
  owner: platform-team   # for other tools: ignored here
"""


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry" / "services.yml"
    path.parent.mkdir()
    path.write_text(REGISTRY)
    return path


def test_registry_file_provides_endpoints(registry: Path) -> None:
    config = ServiceConfig.load("gateway", services_registry=registry)

    assert config.services["subject-service"].url == "http://127.0.0.1:8002"
    assert config.services["user-service"].url == "http://users:8003"
    origin = config.origin_of(("services", "subject-service", "url"))
    assert (origin.source, origin.location) == (ValueSource.REGISTRY, str(registry))


def test_registry_entry_of_the_service_itself_sets_its_port(registry: Path) -> None:
    assert ServiceConfig.load("subject-service", services_registry=registry).service.port == 8002


def test_variables_win_over_the_registry(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__URL", "http://subjects:80")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "9002")

    config = ServiceConfig.load("subject-service", services_registry=registry)

    assert config.services["subject-service"].url == "http://subjects:80"
    assert config.service.port == 9002


def test_registry_path_from_the_variable(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICES_REGISTRY", str(registry))

    assert "subject-service" in ServiceConfig.load("gateway").services


def test_registry_in_the_current_directory(workdir: Path) -> None:
    (workdir / "services.yml").write_text("billing: {port: 8009}\n")

    assert ServiceConfig.load("gateway").services["billing"].url == "http://127.0.0.1:8009"


def test_registry_at_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service run from services/<name>/ finds the repo root's services.yml."""
    root = tmp_path / "repo"
    service_dir = root / "services" / "gateway"
    service_dir.mkdir(parents=True)
    (root / "pants.toml").write_text("")
    (root / "services.yml").write_text("version: 1\nservices:\n  billing: {port: 8009}\n")
    monkeypatch.chdir(service_dir)

    assert ServiceConfig.load("gateway").services["billing"].url == "http://127.0.0.1:8009"


def test_no_registry_outside_a_repository_is_fine() -> None:
    assert len(ServiceConfig.load("gateway").services) == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("billing: {url: 'http://u:hunter2@b', port: [}\n", "invalid YAML at line 1"),
        ("- a\n- b\n", "must map service names"),
    ],
)
def test_a_malformed_registry_is_an_error(content: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "services.yml"
    path.write_text(content)

    with pytest.raises(ConfigError, match=problem) as caught:
        ServiceConfig.load("gateway", services_registry=path)

    assert "hunter2" not in str(caught.value)


def test_registry_shorthands_port_or_url(tmp_path: Path) -> None:
    path = tmp_path / "services.yml"
    path.write_text("billing: 8009\nusers: https://users.example\n")

    services = ServiceConfig.load("gateway", services_registry=path).services

    assert services["billing"].url == "http://127.0.0.1:8009"
    assert services["users"].url == "https://users.example"


def test_a_bad_registry_value_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "services.yml"
    path.write_text("billing: {port: 8009, timeout: soon}\n")

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("gateway", services_registry=path)

    assert str(caught.value.problems[0]).startswith(
        f"AURORA_SERVICES__BILLING__TIMEOUT (registry file {path}):"
    )


def test_services_section_used_alone(monkeypatch: pytest.MonkeyPatch, registry: Path) -> None:
    monkeypatch.setenv("AURORA_SERVICES_REGISTRY", str(registry))
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT", "1")

    services = ServiceEndpoints()

    assert services["subject-service"] == ServiceEndpoint(url="http://127.0.0.1:8002", timeout=1)
    assert sorted(services.keys()) == ["gateway", "subject-service", "user-service"]


def test_services_settings_accept_both_shapes() -> None:
    flat = ServiceEndpoints.model_validate({"Billing_Service": "http://b"})
    nested = ServiceEndpoints.model_validate(
        {"endpoints": {"billing-service": {"url": "http://b"}}}
    )

    assert flat == nested
    assert list(flat.values()) == [ServiceEndpoint(url="http://b")]
    assert list(flat.items()) == [("billing-service", ServiceEndpoint(url="http://b"))]
