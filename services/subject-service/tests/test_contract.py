"""The OpenAPI contract: every operation, probes included, answers as documented.

Generated requests (valid and invalid) go to the real service on a free port; each
response must match its documented status, media type and schema, and every error
must be a problem with a correlation id. An opaque ``after`` cursor that schemathesis
makes up is rightly refused with 400, which the check accepts for the listing.
"""

from aurora.app import Service
from aurora.testing.contract import assert_openapi_contract
from aurora.testing.tokens import TokenFactory

from subject_service.routes import WRITE_SCOPE

LIST = "GET /api/v1/subjects"


def test_the_api_keeps_its_openapi_contract(service: Service, tokens: TokenFactory) -> None:
    report = assert_openapi_contract(
        service,
        max_examples=5,
        headers=tokens.headers(WRITE_SCOPE),
        accept_statuses={LIST: {400}},
    )

    assert LIST in report.operations
    assert "GET /health/ready" in report.operations
    assert report.statuses["POST /api/v1/subjects"][201] > 0
