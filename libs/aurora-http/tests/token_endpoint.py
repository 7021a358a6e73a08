"""An OAuth 2 token endpoint and a resource that wants its tokens, on one uvicorn server.

``/token`` implements the client-credentials grant (HTTP Basic client auth),
numbering the tokens it issues; ``/resource`` answers 401 to a revoked or
unknown token and echoes a good one.
"""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CLIENT_ID = "orders"
CLIENT_SECRET = "s3cret-client-secret-value"


class TokenEndpoint:
    """Issues ``token-1``, ``token-2``...; ``revoked`` tokens get 401 from ``/resource``."""

    def __init__(self, *, expires_in: int = 300, delay: float = 0.05) -> None:
        self.expires_in = expires_in
        self.delay = delay
        self.issued: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.revoked: set[str] = set()
        self.resource_hits: list[str | None] = []
        self.app = Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/resource", self._resource),
            ]
        )

    async def _token(self, request: Request) -> JSONResponse:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        # parse_qsl rather than request.form(): that needs python-multipart.
        self.forms.append(dict(parse_qsl((await request.body()).decode())))
        await asyncio.sleep(self.delay)  # long enough for concurrent callers to overlap
        token = f"token-{len(self.issued) + 1}"
        self.issued.append(token)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        return JSONResponse(body)

    async def _resource(self, request: Request) -> JSONResponse:
        authorization = request.headers.get("authorization")
        self.resource_hits.append(authorization)
        token = (authorization or "").removeprefix("Bearer ")
        if token not in self.issued or token in self.revoked:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"token": token})
