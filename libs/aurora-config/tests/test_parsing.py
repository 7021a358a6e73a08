"""Lists written as comma-separated text or JSON, and variable names <-> setting paths."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.config import ServiceConfig
from aurora.config._keys import key_for_variable, variable_for_key
from aurora.config._sections import split_list

# Items people put in comma lists: no commas, no surrounding blanks, not a JSON opener.
_items = st.text(
    alphabet=st.characters(blacklist_characters=",[", blacklist_categories=("Cs", "Zs", "Cc")),
    min_size=1,
)


@given(st.lists(_items, max_size=8))
def test_comma_separated_text_splits_into_its_items(items: list[str]) -> None:
    assert split_list(",".join(items)) == items


@given(st.lists(_items, max_size=8))
def test_blanks_around_items_and_empty_items_are_dropped(items: list[str]) -> None:
    assert split_list(" , ".join(items) + " ,, ") == items


@given(st.lists(st.text(), max_size=8))
def test_json_lists_are_taken_verbatim(items: list[str]) -> None:
    """Including items that contain commas, which only JSON can express."""
    assert split_list(json.dumps(items)) == items


def test_non_text_values_pass_through() -> None:
    assert split_list(["a"]) == ["a"]


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_segment = st.lists(_word, min_size=1, max_size=3).map("_".join)


@given(st.lists(_segment, min_size=1, max_size=4).filter(lambda key: key[0] != "services"))
def test_variable_names_and_keys_round_trip(parts: list[str]) -> None:
    key = tuple(parts)
    variable = variable_for_key(key)

    assert variable.startswith("AURORA_")
    assert key_for_variable(variable) == key


@given(st.lists(_word, min_size=1, max_size=3))
def test_service_names_are_kebab_case_in_keys_and_snake_case_in_variables(
    words: list[str],
) -> None:
    name = "-".join(words)
    variable = variable_for_key(("services", name, "url"))

    assert variable == f"AURORA_SERVICES__{name.upper().replace('-', '_')}__URL"
    assert key_for_variable(variable) == ("services", name, "url")


@pytest.mark.parametrize(
    "name",
    ["PATH", "AURORA_ENV_FILE", "AURORA_SECRETS_DIR", "AURORA_TEST_POSTGRES_URL"],
)
def test_non_settings_have_no_key(name: str) -> None:
    assert key_for_variable(name) is None


@pytest.mark.parametrize(
    "raw",
    ["https://a.example,https://b.example", '["https://a.example", "https://b.example"]'],
)
def test_cors_origins_accept_both_forms(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SECURITY__CORS_ORIGINS", raw)

    config = ServiceConfig.load("svc")

    assert config.security.cors_origins == ["https://a.example", "https://b.example"]


def test_cors_origins_lose_trailing_slashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Browsers send Origin without one; a configured slash would never match."""
    monkeypatch.setenv("AURORA_SECURITY__CORS_ORIGINS", "https://a.example/")

    assert ServiceConfig.load("svc").security.cors_origins == ["https://a.example"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("yes", True), ("0", False), ("false", False)],
)
def test_booleans_parse_the_usual_spellings(
    raw: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURORA_DATABASE__ECHO", raw)

    assert ServiceConfig.load("svc").database.echo is expected


@pytest.mark.parametrize(("raw", "expected"), [("debug", "DEBUG"), ("warn", "WARNING")])
def test_log_levels_are_case_insensitive(
    raw: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURORA_LOGGING__LEVEL", raw)

    assert ServiceConfig.load("svc").logging.level == expected
