"""Shared fixtures: services built from explicit configs, real Redis, RSA keys."""

from __future__ import annotations

import io
import os
import socket
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

with warnings.catch_warnings():
    # Starlette 1.x asks for the `httpx2` fork, which the lockfile does not carry; the
    # warning fires once, at import, and would fail collection under `-W error`.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    import starlette.testclient  # noqa: F401

from aurora.app import Service, create_service
from aurora.config import ServiceConfig
from aurora.logging import reset_logging, setup_logging

ServiceFactory = Callable[..., Service]


def make_config(name: str = "demo-service", **sections: Any) -> ServiceConfig:
    """A config built from explicit values only: no environment, no files."""
    service = {
        "name": name,
        "version": "1.2.3",
        "description": "A demo",
        **sections.pop("service", {}),
    }
    return ServiceConfig.composed().model_validate({"service": service, **sections})


@pytest.fixture(autouse=True)
def _quiet_logging() -> Iterator[None]:
    """JSON logging into a buffer, so unconfigured structlog never pretty-prints tracebacks."""
    setup_logging("aurora-app-tests", fmt="json", stream=io.StringIO())
    yield
    reset_logging()


@pytest.fixture()
def make_service() -> ServiceFactory:
    """Build a service; ``security=`` etc. go to the config, the rest to ``create_service``."""

    def factory(name: str = "demo-service", **kwargs: Any) -> Service:
        sections = {
            key: kwargs.pop(key) for key in ("security", "redis", "service") if key in kwargs
        }
        kwargs.setdefault("configure_logging", False)
        return create_service(name, make_config(name, **sections), **kwargs)

    return factory


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[str, str]:
    """A fresh 2048-bit RSA key pair as PEM text: (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis; fails under CI when unreachable, skips locally."""
    url = os.environ.get("AURORA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            pass
    except OSError as exc:
        message = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture()
def key_prefix() -> str:
    """A Redis key prefix no other test (or concurrent test process) uses."""
    return f"aurora-test:{uuid.uuid4().hex}:"
