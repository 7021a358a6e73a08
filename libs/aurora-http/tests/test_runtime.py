"""Import-level guarantees: sniffio present, nothing done at import time."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import sniffio

from aurora.testing.process import child_env


def test_sniffio_is_importable_so_httpx_does_not_retry_the_import_per_request() -> None:
    assert importlib.util.find_spec("sniffio") is not None


async def test_sniffio_detects_the_running_loop() -> None:
    assert sniffio.current_async_library() == "asyncio"


def test_importing_the_package_creates_no_client_or_registry() -> None:
    code = (
        "import aurora.http, aurora.http.testing, aurora.http._defaults as d, prometheus_client as p;"
        "assert d._DEFAULT is None;"
        "assert not [n for n in p.REGISTRY._names_to_collectors if n.startswith('aurora_http')]"
    )
    env = child_env()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
