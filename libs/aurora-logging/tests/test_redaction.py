"""Secrets are masked before a line is written: by key, nested, and by value shape."""

from __future__ import annotations

import io
import json
import logging
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from log_output import Output

from aurora.logging import DEFAULT_REDACT_KEYS, REDACTED, setup_logging

PASSWORD = "hunter2-Sup3rS3cret"  # - a fixture, checked to never reach output
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "new_password",
        "passwd",
        "client_secret",
        "token",
        "access_token",
        "refreshToken",
        "Authorization",
        "proxy-authorization",
        "api_key",
        "X-Api-Key",
        "apikey",
        "cookie",
        "Set-Cookie",
        "private_key",
    ],
)
def test_sensitive_keys_are_masked(output: Output, key: str) -> None:
    setup_logging("svc", stream=output.stream).info("login", **{key: PASSWORD})

    assert output.only()[key] == REDACTED
    assert PASSWORD not in output.text


def test_ordinary_keys_are_untouched(output: Output) -> None:
    setup_logging("svc", stream=output.stream).info("login", user="ada", attempts=3, ok=True)

    line = output.only()
    assert (line["user"], line["attempts"], line["ok"]) == ("ada", 3, True)


def test_nested_dicts_and_lists_are_masked(output: Output) -> None:
    payload = {"user": {"name": "ada", "credentials": [{"password": PASSWORD}]}, "tags": ["a"]}
    setup_logging("svc", stream=output.stream).info("signup", payload=payload)

    line = output.only()
    assert line["payload"] == {
        "user": {"name": "ada", "credentials": [{"password": REDACTED}]},
        "tags": ["a"],
    }
    assert PASSWORD not in output.text


def test_the_callers_objects_are_not_mutated(output: Output) -> None:
    payload = {"headers": {"authorization": "Bearer abc"}, "items": [{"token": "t"}]}
    setup_logging("svc", stream=output.stream).info("request", payload=payload)

    assert payload == {"headers": {"authorization": "Bearer abc"}, "items": [{"token": "t"}]}


def test_bearer_tokens_are_masked_in_any_value_and_in_the_event(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)
    logger.info(
        "upstream said Bearer abc.DEF-123_x",
        header="bearer abc.DEF-123_x",
        note=["BEARER z9z9z9z9z9", "the bearer of news"],
    )

    line = output.only()
    assert line["event"] == f"upstream said Bearer {REDACTED}"
    assert line["header"] == f"bearer {REDACTED}"
    assert line["note"] == [f"BEARER {REDACTED}", "the bearer of news"]
    assert "abc.DEF" not in output.text


def test_jwts_are_masked_wherever_they_appear(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)
    logger.info("callback", url=f"https://app.example/cb?id_tok={JWT}&state=1", raw=JWT)

    line = output.only()
    assert line["url"] == f"https://app.example/cb?id_tok={REDACTED}&state=1"
    assert line["raw"] == REDACTED
    assert "eyJ" not in output.text


def test_url_passwords_are_masked(output: Output) -> None:
    setup_logging("svc", stream=output.stream).info(
        "connecting",
        dsn="postgresql+psycopg://app:s3cr3t@db:5432/app",
        cache="redis://:pw@cache:6379/0",
    )

    line = output.only()
    assert line["dsn"] == f"postgresql+psycopg://app:{REDACTED}@db:5432/app"
    assert line["cache"] == f"redis://:{REDACTED}@cache:6379/0"


def test_emails_and_plain_urls_are_not_mangled(output: Output) -> None:
    setup_logging("svc", stream=output.stream).info(
        "mail", to="ada@example.com", link="https://example.com/a/b"
    )

    line = output.only()
    assert (line["to"], line["link"]) == ("ada@example.com", "https://example.com/a/b")


def test_stdlib_records_are_masked_too(output: Output) -> None:
    setup_logging("svc", stream=output.stream)

    logging.getLogger("httpx").info(
        "sent Authorization: Bearer %s", JWT, extra={"password": PASSWORD}
    )

    line = output.only()
    assert line["password"] == REDACTED
    assert JWT not in output.text
    assert PASSWORD not in output.text


def test_exception_text_is_scanned(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)
    try:
        raise PermissionError(f"rejected Bearer {JWT}")
    except PermissionError:
        logger.exception("auth failed")

    assert "PermissionError: rejected Bearer ***" in output.only()["exception"]
    assert JWT not in output.text


def test_extra_keys_are_added_to_the_defaults(output: Output) -> None:
    setup_logging("svc", stream=output.stream, redact_keys=["ssn"]).info(
        "kyc", customer_ssn="123-45-6789", password=PASSWORD
    )

    line = output.only()
    assert line["customer_ssn"] == REDACTED
    assert line["password"] == REDACTED


def test_redaction_can_be_disabled(output: Output) -> None:
    setup_logging("svc", stream=output.stream, redact=False).info(
        "debugging", password=PASSWORD, header=f"Bearer {JWT}"
    )

    line = output.only()
    assert line["password"] == PASSWORD
    assert line["header"] == f"Bearer {JWT}"


def test_self_referencing_payloads_do_not_hang_or_leak(output: Output) -> None:
    payload: dict[str, object] = {"password": PASSWORD, "name": "loop"}
    payload["self"] = payload
    setup_logging("svc", stream=output.stream).info("cycle", payload=payload)

    assert output.only()["payload"]["name"] == "loop"
    assert PASSWORD not in output.text


def test_the_documented_defaults_are_all_masked() -> None:
    assert {
        "password",
        "secret",
        "token",
        "authorization",
        "api_key",
        "cookie",
    } <= DEFAULT_REDACT_KEYS


_words = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda word: not any(
        fragment in word for fragment in ("password", "secret", "token", "cookie", "apikey")
    )
)
_leaves = st.one_of(st.integers(), st.booleans(), st.none(), _words)
_trees = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_words, children, max_size=4),
    max_leaves=20,
)


@given(
    tree=_trees,
    path=st.lists(_words, max_size=4),
    key=st.sampled_from(["password", "Api-Key", "x_token", "SESSION_COOKIE"]),
)
def test_a_secret_under_a_sensitive_key_never_reaches_the_output(
    tree: object, path: list[str], key: str
) -> None:
    """Wherever a sensitive key sits inside arbitrary nested data, its value is masked."""
    secret: object = {key: "Zq9-never-log-me"}
    for step in reversed(path):
        secret = {step: secret}
    stream = io.StringIO()
    setup_logging("svc", stream=stream).info("payload", data=[tree, secret])

    assert "Zq9-never-log-me" not in stream.getvalue()
    assert json.loads(stream.getvalue())["event"] == "payload"
