"""Text no backend stores alike is refused alike: a 422, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from db_models import Subject
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from aurora.db import InvalidDataError, InvalidTextError, StorableText, is_storable

UNSTORABLE = ["a\x00b", "\ud800", "tail\udfff"]


@pytest.mark.parametrize("text", UNSTORABLE)
async def test_unstorable_text_is_refused_before_the_driver(repo_factory: Any, text: str) -> None:
    repo = repo_factory(Subject)
    with pytest.raises(InvalidTextError) as caught:
        await repo.add(Subject(name=text))
    assert caught.value.status == 422
    assert caught.value.code == "invalid_text"


async def test_text_the_database_refuses_as_data_is_a_422(repo_factory: Any, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    repo = repo_factory(Subject)
    with pytest.raises(InvalidDataError) as caught:
        await repo.add(Subject(name="x" * 101))  # String(100)
    assert caught.value.status == 422


@pytest.mark.parametrize("text", ["", "plain", "ünïcode ✓", "\U0001f600", "tab\tnewline\n"])
def test_ordinary_text_is_storable(text: str) -> None:
    assert is_storable(text)
    assert TypeAdapter(StorableText).validate_python(text) == text


@pytest.mark.parametrize("text", UNSTORABLE)
def test_storable_text_refuses_at_validation(text: str) -> None:
    assert not is_storable(text)
    with pytest.raises(PydanticValidationError, match="NUL characters or lone surrogates"):
        TypeAdapter(StorableText).validate_python(text)


def test_storable_text_states_the_rule_in_the_json_schema() -> None:
    class Body(BaseModel):
        note: StorableText | None = None

    [string, _] = Body.model_json_schema()["properties"]["note"]["anyOf"]
    assert string == {"type": "string", "pattern": "^[^\\x00]*$"}
