"""log_event: the seed's domain-event line."""

from __future__ import annotations

from log_output import Output

from aurora.logging import bind_correlation_id, log_event, setup_logging


def test_seed_example_writes_one_event_line(output: Output) -> None:
    logger = setup_logging("my-service", level="INFO", stream=output.stream)

    log_event(logger, "user_created", {"user_id": 123}, "correlation-123")

    line = output.only()
    assert line["event"] == "user_created"
    assert line["user_id"] == 123
    assert line["correlation_id"] == "correlation-123"
    assert line["service"] == "my-service"
    assert line["level"] == "info"


def test_explicit_correlation_id_wins_over_the_bound_one(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with bind_correlation_id("worker-run"):
        log_event(logger, "invoice_paid", {"invoice": "A-1"}, correlation_id="original-request")

    assert output.only()["correlation_id"] == "original-request"


def test_bound_correlation_id_is_used_when_none_is_given(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with bind_correlation_id("req-9"):
        log_event(logger, "invoice_paid")

    assert output.only()["correlation_id"] == "req-9"


def test_keyword_fields_join_the_data(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    log_event(logger, "subject_created", {"subject_id": "s-1"}, tenant="t-1")

    line = output.only()
    assert (line["subject_id"], line["tenant"]) == ("s-1", "t-1")


def test_a_data_key_named_event_does_not_clash(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    log_event(logger, "webhook_received", {"event": "charge.succeeded"})

    line = output.only()
    assert line["event"] == "webhook_received"
    assert line["data_event"] == "charge.succeeded"


def test_event_data_is_redacted(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    log_event(logger, "user_created", {"user_id": 1, "password": "pw-123456"})

    assert "pw-123456" not in output.text
