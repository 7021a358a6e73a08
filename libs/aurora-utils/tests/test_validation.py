from __future__ import annotations

from collections.abc import Callable

import pytest

from aurora.errors import ValidationError
from aurora.utils import validate_email, validate_phone, validate_slug, validate_url

Validator = Callable[..., str]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user@example.com", "user@example.com"),
        ("  John.Doe@Example.COM ", "John.Doe@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.org", "o'brien@example.org"),
        ("user@Bücher.de", "user@bücher.de"),
        ("user@example.com.", "user@example.com"),
    ],
)
def test_validate_email_normalizes(value: str, expected: str) -> None:
    assert validate_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "plainaddress",
        "@example.com",
        "user@",
        "user@localhost",
        "user@@example.com",
        "user@exa mple.com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "user@-example.com",
        "user@example..com",
        "user@127.0.0.1",
        "user@example.123",
        "a" * 65 + "@example.com",
        "user@" + "a" * 64 + ".com",
        "user@" + ("a" * 60 + ".") * 5 + "com",
        "   ",
    ],
)
def test_validate_email_rejects(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_email(value)


@pytest.mark.parametrize("value", ["my-first-post", "a", "post-2024", "x" * 100])
def test_validate_slug_accepts(value: str) -> None:
    assert validate_slug(value) == value


@pytest.mark.parametrize(
    "value",
    ["My-Post", "double--hyphen", "-leading", "trailing-", "under_score", "spa ce", "é", "x" * 101],
)
def test_validate_slug_rejects(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_slug(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1 (555) 010-9999", "+15550109999"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("020 7946 0958", "02079460958"),
        ("555.010.9999", "5550109999"),
    ],
)
def test_validate_phone_normalizes(value: str, expected: str) -> None:
    assert validate_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12345",
        "+1234567890123456",
        "555-CALL-NOW",
        "+1 555 010 9999 ext 2",
        "++15550109999",
        "١٢٣٤٥٦٧٨",
    ],
)
def test_validate_phone_rejects(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_phone(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("http://localhost:8000/api", "http://localhost:8000/api"),
        ("http://127.0.0.1/", "http://127.0.0.1/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://user:pw@Example.com:8443/", "https://user:pw@example.com:8443/"),
        ("https://bücher.de/", "https://bücher.de/"),
    ],
)
def test_validate_url_normalizes(value: str, expected: str) -> None:
    assert validate_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "example.com",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.com",
        "http://example.com/\x00",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http://-bad-.com/",
        "http://999.1.1.1/",
        "http://[not-an-ip]/",
    ],
)
def test_validate_url_rejects(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_url(value)


def test_validate_url_accepts_other_schemes_when_asked() -> None:
    assert (
        validate_url("ws://example.com/socket", schemes={"ws", "wss"}) == "ws://example.com/socket"
    )


@pytest.mark.parametrize(
    ("validator", "value", "field", "code"),
    [
        (validate_email, "nope", "email", "invalid_email"),
        (validate_slug, "No Slug", "slug", "invalid_slug"),
        (validate_phone, "12", "phone", "invalid_phone"),
        (validate_url, "nope", "url", "invalid_url"),
    ],
)
def test_errors_name_the_field_and_code(
    validator: Validator, value: str, field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    error = caught.value
    assert error.status == 422
    assert error.details[0]["pointer"] == f"#/{field}"
    assert error.details[0]["code"] == code
    assert error.details[0]["detail"]


@pytest.mark.parametrize("validator", [validate_email, validate_slug, validate_phone, validate_url])
def test_field_name_is_configurable(validator: Validator) -> None:
    with pytest.raises(ValidationError) as caught:
        validator("  ", field="contact")
    assert caught.value.details == [
        {"pointer": "#/contact", "detail": "must not be empty", "code": "missing"}
    ]
    assert caught.value.detail == "Invalid contact"


@pytest.mark.parametrize("validator", [validate_email, validate_slug, validate_phone, validate_url])
def test_non_strings_are_a_validation_error(validator: Validator) -> None:
    with pytest.raises(ValidationError) as caught:
        validator(12345678)
    assert caught.value.details[0]["code"] == "type_error"


def test_errors_never_echo_the_value() -> None:
    secret = "jane.private@@example.com"
    with pytest.raises(ValidationError) as caught:
        validate_email(secret)
    assert secret not in repr(caught.value.details) and secret not in str(caught.value)
