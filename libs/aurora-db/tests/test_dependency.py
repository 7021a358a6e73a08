"""FastAPI dependencies commit before the response: a failed commit is an error response.

Runs a real uvicorn server. The enrollment's foreign key is DEFERRABLE INITIALLY
DEFERRED on both databases, so the endpoint's flush succeeds and only the COMMIT
fails, exactly the case where a commit after the response loses the write
behind a 2xx (fastapi#11143).
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' annotations,
# which name locals, at runtime.

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest
from db_models import Enrollment, Subject
from db_registry import SERVICE
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.db import (
    EngineRegistry,
    get_async_db_dependency,
    get_db_dependency,
    get_db_session,
    use_registry,
)
from aurora.errors import PROBLEM_CONTENT_TYPE, AuroraError, to_problem
from aurora.testing.server import run_server


def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuroraError)
    body = to_problem(exc, instance=request.url.path).to_dict()
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_CONTENT_TYPE)


def _app(registry: EngineRegistry, flavor: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await registry.dispose_async()  # async engines belong to the server's loop

    app = FastAPI(lifespan=lifespan)
    app.add_exception_handler(AuroraError, _problem)
    (_sync_routes if flavor == "sync" else _async_routes)(app, registry)
    return app


def _sync_routes(app: FastAPI, registry: EngineRegistry) -> None:
    dependency = get_db_dependency(SERVICE, registry=registry)

    @app.post("/subjects/{name}", status_code=201)
    def create_subject(name: str, db: Annotated[Session, Depends(dependency)]) -> dict[str, str]:
        db.add(Subject(name=name))
        return {"name": name}

    @app.post("/enrollments", status_code=201)
    def enroll(db: Annotated[Session, Depends(dependency)]) -> dict[str, bool]:
        db.add(Enrollment(subject_id=uuid.uuid4()))  # no such subject: fails at COMMIT
        db.flush()
        return {"enrolled": True}

    @app.post("/refuse/{name}")
    def refuse(name: str, db: Annotated[Session, Depends(dependency)]) -> None:
        db.add(Subject(name=name))
        db.flush()
        raise HTTPException(status_code=422, detail="no")


def _async_routes(app: FastAPI, registry: EngineRegistry) -> None:
    dependency = get_async_db_dependency(SERVICE, registry=registry)

    @app.post("/subjects/{name}", status_code=201)
    async def create_subject(
        name: str, db: Annotated[AsyncSession, Depends(dependency)]
    ) -> dict[str, str]:
        db.add(Subject(name=name))
        return {"name": name}

    @app.post("/enrollments", status_code=201)
    async def enroll(db: Annotated[AsyncSession, Depends(dependency)]) -> dict[str, bool]:
        db.add(Enrollment(subject_id=uuid.uuid4()))
        await db.flush()
        return {"enrolled": True}

    @app.post("/refuse/{name}")
    async def refuse(name: str, db: Annotated[AsyncSession, Depends(dependency)]) -> None:
        db.add(Subject(name=name))
        await db.flush()
        raise HTTPException(status_code=422, detail="no")


def _count(registry: EngineRegistry, model) -> int:
    with registry.engine(SERVICE).connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture(params=["sync", "async"])
def server(request, registry: EngineRegistry) -> Iterator[httpx.Client]:
    with (
        run_server(_app(registry, request.param)) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        yield client


def test_write_is_committed_when_the_response_arrives(server, registry):
    response = server.post("/subjects/Math")
    assert response.status_code == 201
    assert _count(registry, Subject) == 1  # already committed, no race with a late commit


def test_failed_commit_becomes_an_error_response(server, registry):
    response = server.post("/enrollments")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "foreign_key_violation"
    assert _count(registry, Enrollment) == 0


def test_endpoint_exception_rolls_back(server, registry):
    assert server.post("/refuse/Art").status_code == 422
    assert _count(registry, Subject) == 0


def test_unique_violation_at_commit_is_409(server, registry):
    assert server.post("/subjects/Math").status_code == 201
    response = server.post("/subjects/Math")
    assert response.status_code == 409
    assert response.json()["code"] == "unique_violation"


def test_naive_yield_dependency_would_answer_201_and_lose_the_write(registry):
    """The pitfall itself, reproduced, so the tests above are known to detect it."""
    app = FastAPI()

    def naive() -> Iterator[Session]:
        with get_db_session(SERVICE, registry=registry) as session:
            yield session

    @app.post("/enrollments", status_code=201)
    def enroll(db: Annotated[Session, Depends(naive)]) -> dict[str, bool]:
        db.add(Enrollment(subject_id=uuid.uuid4()))
        return {"enrolled": True}

    with run_server(app) as base_url:
        assert httpx.post(f"{base_url}/enrollments").status_code == 201
    assert _count(registry, Enrollment) == 0


def test_same_dependency_object_per_service_so_overrides_work(registry):
    with use_registry(registry):
        assert get_db_dependency(SERVICE) is get_db_dependency(SERVICE)
        assert get_async_db_dependency(SERVICE) is get_async_db_dependency(SERVICE)
        assert get_db_dependency(SERVICE) is not get_db_dependency("other-service")
