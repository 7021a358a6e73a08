"""Keyset cursors across replicas: two processes sharing a cursor secret page as one service.

Each replica is a real process (``aurora.app.main`` under uvicorn on a free port)
loading its config from the environment, in production, as a deployment would.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from aurora.testing.process import child_env
from aurora.testing.server import free_port

SCRIPT = textwrap.dedent("""
    import sys
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
    from aurora.app import create_service, main
    from aurora.config import ServiceConfig
    from aurora.db import BaseRepository, configure_database, get_db_session

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "replica_items"
        name: Mapped[str] = mapped_column(String(20), primary_key=True)

    def build():
        config = ServiceConfig.load("replica-service")
        configure_database("replica-service", config.database)
        with get_db_session("replica-service") as db:
            Base.metadata.create_all(db.get_bind())
            if not BaseRepository(db, Item).count():
                BaseRepository(db, Item).add_many([Item(name=n) for n in "abcdef"])
        service = create_service("replica-service", config)

        @service.app.get("/items")
        def items(after: str | None = None) -> dict[str, object]:
            with get_db_session("replica-service") as db:
                page = BaseRepository(db, Item).paginate_keyset(after=after, limit=2, order_by="name")
                return {"names": [i.name for i in page.items], "next": page.next_cursor}

        return service

    main(build, sys.argv[1:])
    """)


def _wait_ready(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"replica exited: {process.communicate()[0]}")
        try:
            if httpx.get(url + "/health/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} never became ready")


@contextmanager
def replica(script: Path, environment: dict[str, str]) -> Iterator[str]:
    """One replica process on a free port; its base URL while it runs."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env(environment),
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture()
def script(tmp_path: Path) -> Path:
    path = tmp_path / "replica.py"
    path.write_text(SCRIPT)
    return path


def _environment(tmp_path: Path, secret: str | None) -> dict[str, str]:
    environment = {
        "AURORA_SERVICE__ENVIRONMENT": "production" if secret else "development",
        "AURORA_DATABASE__URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "AURORA_LOGGING__LEVEL": "WARNING",
    }
    if secret:
        environment["AURORA_DATABASE__CURSOR_SECRET"] = secret
    return environment


def test_a_cursor_from_one_replica_pages_on_the_other(script: Path, tmp_path: Path) -> None:
    environment = _environment(tmp_path, "one-secret-every-replica-shares")
    with ExitStack() as stack:
        first, second = (stack.enter_context(replica(script, environment)) for _ in range(2))
        page = httpx.get(first + "/items").json()
        following = httpx.get(second + "/items", params={"after": page["next"]})

    assert page["names"] == ["a", "b"]
    assert following.status_code == 200
    assert following.json()["names"] == ["c", "d"]


def test_production_without_a_cursor_secret_refuses_to_start(script: Path, tmp_path: Path) -> None:
    environment = {**_environment(tmp_path, None), "AURORA_SERVICE__ENVIRONMENT": "production"}
    result = subprocess.run(
        [sys.executable, str(script), "--port", str(free_port())],
        env=child_env(environment),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "AURORA_DATABASE__CURSOR_SECRET" in result.stdout + result.stderr
