import aurora.http
import aurora.http.testing


def test_all_is_the_sorted_public_surface() -> None:
    expected = [
        "DEADLINE_HEADER",
        "IDEMPOTENCY_KEY_HEADER",
        "IDEMPOTENT_METHODS",
        "REQUEST_ID_HEADER",
        "RETRYABLE_STATUSES",
        "Backoff",
        "BearerToken",
        "ClientCredentials",
        "ClientRegistry",
        "Credentials",
        "ForwardedToken",
        "RequestOptions",
        "RetryBudget",
        "RetryPolicy",
        "ServiceClient",
        "ServiceEndpoint",
        "ServiceEndpoints",
        "SyncServiceClient",
        "TokenEndpointError",
        "configure",
        "deadline_scope",
        "default_registry",
        "error_for_response",
        "install_clients",
        "propagation_context",
        "reset_defaults",
    ]
    assert aurora.http.__all__ == expected
    assert sorted(expected, key=lambda n: (not n.isupper(), n)) == expected


def test_testing_module_surface() -> None:
    assert aurora.http.testing.__all__ == ["Fault", "FaultTransport", "disable_backoff"]


def test_every_public_name_resolves() -> None:
    for name in aurora.http.__all__:
        assert getattr(aurora.http, name) is not None
