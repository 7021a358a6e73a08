"""``_sync.py`` is generated from ``_client.py``; this test keeps the twins from drifting.

Regenerate after editing the async client::

    python libs/aurora-http/tests/test_sync_twin.py
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import aurora.http._client as async_module
import aurora.http._sync as sync_module

REPLACEMENTS = [
    (
        '"""The async client: ``async with ServiceClient("subject-service") as client: ...``."""',
        '"""The sync twin of :class:`~aurora.http.ServiceClient`, for scripts, CLIs and sync workers.\n\n'
        "Generated from ``_client.py`` (see ``tests/test_sync_twin.py``): every decision is\n"
        "shared through ``_base.py`` and ``_pipeline.py``, and the per-service breaker and\n"
        'retry budget through the registry; only the I/O loop differs.\n"""',
    ),
    (
        "from aurora.http._backoff import sleep\n",
        "from aurora.http._backoff import sleep_blocking\n",
    ),
    ('__all__ = ["ServiceClient"]', '__all__ = ["SyncServiceClient"]'),
    (
        'class ServiceClient(BaseServiceClient):\n    """A resilient async client for one Aurora service.',
        'class SyncServiceClient(BaseServiceClient):\n    """A resilient blocking client for one Aurora service.',
    ),
    (
        "transport: httpx.AsyncBaseTransport | None = None,",
        "transport: httpx.BaseTransport | None = None,",
    ),
    ("httpx.AsyncClient(", "httpx.Client("),
    (
        "    async def __aenter__(self) -> ServiceClient:",
        "    def __enter__(self) -> SyncServiceClient:",
    ),
    ("    async def __aexit__(", "    def __exit__("),
    ("        await self.aclose()", "        self.close()"),
    ("    async def aclose(self) -> None:", "    def close(self) -> None:"),
    ("        await self._http.aclose()", "        self._http.close()"),
    ("await self._http.send(", "self._http.send("),
    ("                await response.aclose()", "                response.close()"),
    ("            await sleep(delay)", "            sleep_blocking(delay)"),
    ("Health check for aurora-app: this service's", "Health check: this service's"),
    ("return await self.request", "return self.request"),
    ("await credentials.authorization()", "credentials.authorization_blocking()"),
    ("await self._credentials.refresh(", "self._credentials.refresh_blocking("),
    ("await self._authorize(", "self._authorize("),
    ("not await self._reauthorize(", "not self._reauthorize("),
    ("return self._json(await self.request(", "return self._json(self.request("),
    ("    async def ", "    def "),
]


def generate_sync(source: str) -> str:
    """Apply the replacements; each must match, so a rename upstream fails loudly."""
    for old, new in REPLACEMENTS:
        if old not in source:
            raise AssertionError(f"sync twin generator: {old!r} not found in _client.py")
        source = source.replace(old, new)
    return source


def _paths() -> tuple[Path, Path]:
    assert async_module.__file__ is not None and sync_module.__file__ is not None
    return Path(async_module.__file__), Path(sync_module.__file__)


def test_sync_client_is_generated_from_the_async_client() -> None:
    async_path, sync_path = _paths()
    expected = generate_sync(async_path.read_text())
    actual = sync_path.read_text()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), "generated", "_sync.py"
        )
    )
    assert actual == expected, "regenerate _sync.py (see module docstring):\n" + diff


def test_sync_twin_has_no_async_code_left() -> None:
    _, sync_path = _paths()
    code = sync_path.read_text()
    assert "await " not in code
    assert "async def" not in code


if __name__ == "__main__":
    async_file, sync_file = _paths()
    sync_file.write_text(generate_sync(async_file.read_text()))
    sys.stdout.write(f"wrote {sync_file}\n")
