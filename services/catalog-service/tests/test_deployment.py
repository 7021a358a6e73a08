"""The deployment files hold up: hadolint on the Dockerfile, Kubernetes' schemas on k8s/."""

from pathlib import Path

from aurora.testing.deployment import DeploymentChecks


class TestDeployment(DeploymentChecks):
    service_dir = Path(__file__).parents[1]
    port = 8003
