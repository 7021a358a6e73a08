"""What can be checked without a Docker engine or a cluster: Dockerfiles, manifests, compose.

The generated files are checked for every ``--with`` combination; the repo's own
``tools/docker/Dockerfile.base``, ``docker-compose.yml`` and ``services.yml`` are
checked as they are committed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from aurora_generator.compose import INFRASTRUCTURE
from aurora_generator.testing import new_repo, run_cli

REPO_ROOT = Path(__file__).absolute().parents[3]
KUBERNETES_VERSION = "1.30.0"
LONGEST_NAME = "-".join(["abcdefghi"] * 5)  # 49 characters

VARIANTS = {
    "user-service": ("8005", "db"),
    "bare-service": ("8006", ""),
    "full-service": ("8007", "db,http,events"),
    "edge-api": ("8008", "http"),
    LONGEST_NAME: ("8009", "db,http,events"),
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repo holding one generated service per ``--with`` combination."""
    root = new_repo(tmp_path_factory.mktemp("variants") / "repo")
    for name, (port, libs) in VARIANTS.items():
        result = run_cli(root, name, port, "--with", libs)
        assert result.code == 0, result.err
    return root


def hadolint_problems(hadolint: Path, dockerfile: Path) -> str:
    result = subprocess.run(
        [str(hadolint), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_the_base_image_passes_hadolint(hadolint: Path) -> None:
    dockerfile = REPO_ROOT / "tools/docker/Dockerfile.base"

    assert hadolint_problems(hadolint, dockerfile) == ""
    text = dockerfile.read_text()
    assert "FROM python:3.11-slim" in text
    assert "tini" in text and "USER 10001" in text


@pytest.mark.parametrize("name", VARIANTS)
def test_generated_dockerfile_passes_hadolint(variants: Path, hadolint: Path, name: str) -> None:
    assert hadolint_problems(hadolint, variants / "services" / name / "Dockerfile") == ""


@pytest.mark.parametrize("name", VARIANTS)
def test_generated_manifests_are_valid_kubernetes(variants: Path, name: str) -> None:
    paths = sorted((variants / "services" / name / "k8s").rglob("*.yaml"))
    kinds = set()
    for path in paths:
        for manifest in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
            kinds.add(manifest["kind"])

    assert kinds == {"ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service"}


@pytest.mark.parametrize("name", VARIANTS)
def test_generated_python_passes_ruff(variants: Path, ruff: Path, name: str) -> None:
    service = variants / "services" / name
    # The repo's pyproject.toml is what the service's ruff.toml extends.
    (variants / "pyproject.toml").write_text((REPO_ROOT / "pyproject.toml").read_text())
    result = subprocess.run(
        [str(ruff), "check", "--no-cache", str(service / "src"), str(service / "tests")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def check_compose_matches_registry(compose: dict[str, Any], registry: dict[str, Any]) -> None:
    services = compose["services"]
    registered = registry["services"] or {}
    assert set(services) - set(INFRASTRUCTURE) == set(registered)
    for name, entry in registered.items():
        port = int(entry["port"])
        assert entry["url"] == f"http://127.0.0.1:{port}"
        block = services[name]
        assert block["ports"] == [f"{port}:{port}"], name
        assert block["environment"]["AURORA_SERVICE__PORT"] == str(port), name
        assert block["build"]["dockerfile"] == f"services/{name}/Dockerfile", name
    ports = [int(entry["port"]) for entry in registered.values()]
    assert len(ports) == len(set(ports)), "two services share a port"


def test_generated_compose_file_matches_the_registry(variants: Path) -> None:
    compose = yaml.safe_load((variants / "docker-compose.yml").read_text())
    registry = yaml.safe_load((variants / "services.yml").read_text())

    check_compose_matches_registry(compose, registry)
    assert {"postgres", "redis"} <= set(compose["services"])


def test_http_services_learn_every_other_service_url(variants: Path) -> None:
    compose = yaml.safe_load((variants / "docker-compose.yml").read_text())
    edge = compose["services"]["edge-api"]["environment"]
    bare = compose["services"]["bare-service"]["environment"]

    assert edge["AURORA_SERVICES__USER_SERVICE__URL"] == "http://user-service:8005"
    assert edge["AURORA_SERVICES__FULL_SERVICE__URL"] == "http://full-service:8007"
    assert "AURORA_SERVICES__EDGE_API__URL" not in edge
    assert not any(key.startswith("AURORA_SERVICES__") for key in bare)


def test_every_database_service_gets_its_own_database(variants: Path) -> None:
    compose = yaml.safe_load((variants / "docker-compose.yml").read_text())
    databases = compose["services"]["postgres-init"]["environment"]["AURORA_DATABASES"].split()

    assert sorted(databases) == sorted(
        name.replace("-", "_") for name, (_, libs) in VARIANTS.items() if "db" in libs
    )


def test_env_examples_list_the_settings_of_the_libs_in_use(variants: Path) -> None:
    full = (variants / "services/full-service/.env.example").read_text()
    bare = (variants / "services/bare-service/.env.example").read_text()

    assert "AURORA_EVENTS__BACKEND=" in full and "AURORA_FULL_SERVICE__MIGRATE_ON_STARTUP" in full
    assert "AURORA_SERVICE__PORT=8006\n" in bare
    assert "AURORA_EVENTS__" not in bare and "AURORA_BARE_SERVICE__" not in bare


def test_the_repo_compose_file_matches_the_repo_registry() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    registry = yaml.safe_load((REPO_ROOT / "services.yml").read_text())

    check_compose_matches_registry(compose, registry)


@pytest.mark.parametrize("name", VARIANTS)
def test_every_module_the_service_imports_is_generated(variants: Path, name: str) -> None:
    """``--with`` leaves files out; never one that the rest of the service imports."""
    package = name.replace("-", "_")
    service = variants / "services" / name
    sources = [*service.glob("src/**/*.py"), *service.glob("tests/*.py")]
    imported = {
        match
        for source in sources
        for match in re.findall(rf"^from {package}\.(\w+) import", source.read_text(), re.M)
    }

    missing = [
        module for module in imported if not (service / "src" / package / f"{module}.py").exists()
    ]
    assert missing == [], f"{name} imports modules that were not generated"
