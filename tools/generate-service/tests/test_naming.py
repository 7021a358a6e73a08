"""Names: what is accepted is usable everywhere a service name goes."""

from __future__ import annotations

import keyword
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_generator.naming import (
    MAX_NAME_LENGTH,
    check_service_name,
    default_resource,
    default_title,
    package_name,
    pascal_case,
    pluralize,
)
from aurora_generator.refusal import RefusalError

DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def refusal_of(name: str) -> str | None:
    try:
        check_service_name(name)
    except RefusalError as refusal:
        return refusal.reason
    return None


# A busy 2-core runner once stalled one draw for 1.4 s; how fast inputs are made is
# not what these tests check.
UNTIMED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@UNTIMED
@given(st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,8}){0,4}", fullmatch=True))
def test_an_accepted_name_is_a_dns_label_and_its_package_an_identifier(name: str) -> None:
    if refusal_of(name) is not None:
        return  # reserved: refusing is always safe
    package = package_name(name)
    assert DNS_LABEL.fullmatch(f"{name}-secrets")
    assert len(f"{name}-secrets") <= 63
    assert package.isidentifier() and not keyword.iskeyword(package)


@UNTIMED
@given(st.text(max_size=60))
def test_any_text_is_accepted_or_refused_in_one_line(name: str) -> None:
    reason = refusal_of(name)

    if reason is None:
        assert DNS_LABEL.fullmatch(name)
        assert len(name) <= MAX_NAME_LENGTH
    else:
        assert "\n" not in reason


@pytest.mark.parametrize(
    ("name", "resource"),
    [
        ("user-service", "user"),
        ("order-history-service", "order-history"),
        ("catalog", "catalog"),
        ("billing-api", "billing"),
        ("service-svc", "item"),
    ],
)
def test_the_default_resource_drops_the_usual_suffixes(name: str, resource: str) -> None:
    assert default_resource(name) == resource


@pytest.mark.parametrize(
    ("word", "plural"),
    [("user", "users"), ("category", "categories"), ("address", "addresses"), ("day", "days"),
     ("box", "boxes"), ("order-history", "order-histories"), ("match", "matches")],
)  # fmt: skip
def test_pluralize(word: str, plural: str) -> None:
    assert pluralize(word) == plural


def test_derived_names() -> None:
    assert package_name("user-service") == "user_service"
    assert pascal_case("order-line") == "OrderLine"
    assert default_title("user-service") == "User Service"
