"""Cost of verifying one bearer token: the previous static-key path against today's.

The baseline is the verification aurora-app did before key sources existed
(``TokenVerifier.verify`` at 72a42f9), copied below as ``previous_verify``: read
the header, pick the key by ``alg``, ``jwt.decode``, build the principal. Today's
path adds the allow-list check, numeric-date check and roles, and picks JWKS keys
by ``kid`` (each distinct header segment parsed once). Every variant verifies the
same claims in the same process; figures are CPU time, the median of interleaved runs.

- HS256, static secret: previous vs today (sync ``verify`` and ``await averify``).
- RS256, static PEM: previous (PyJWT parses the PEM per call) vs today (parsed once).
- RS256 and ES256 from a JWKS served by a local uvicorn, warm cache, by kid.

Run: PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/jwt_verify.py

``AURORA_BENCH_SCALE`` (default 1) scales the default ``--calls`` and ``--repeats``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aurora.app import JwksKeySource, Principal, TokenVerifier
from aurora.logging import setup_logging
from aurora.testing.server import run_server

SECRET = "benchmark-secret-that-is-long-enough-for-hs256"  # noqa: S105
AUDIENCE = "orders"
ISSUER = "https://id.example"
# AURORA_BENCH_SCALE shrinks every count: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
CALLS = max(50, int(5_000 * SCALE))
REPEATS = max(1, int(9 * SCALE))


def claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "ann",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        "scope": "orders:read orders:write",
        "realm_access": {"roles": ["user"]},
    }


def previous_verify(keys: dict[str, Any]) -> Callable[[str], Principal]:
    """``TokenVerifier.verify`` as it was (72a42f9), error handling left out."""

    def verify(token: str) -> Principal:
        algorithm = jwt.get_unverified_header(token).get("alg")
        key = keys[algorithm]
        decoded: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=ISSUER,
            audience=AUDIENCE,
            leeway=30.0,
            options={"require": ["exp", "sub"], "verify_aud": True},
        )
        raw = decoded.get("scope", decoded.get("scp", decoded.get("scopes", ())))
        scopes = raw.split() if isinstance(raw, str) else [str(item) for item in raw or ()]
        return Principal(subject=decoded["sub"], scopes=frozenset(scopes), claims=decoded)

    return verify


def timed(call: Callable[[], object], calls: int) -> float:
    """CPU µs per call (process time: the machine may be shared)."""
    started = time.process_time_ns()
    for _ in range(calls):
        call()
    return (time.process_time_ns() - started) / calls / 1000


def timed_async(verifier: TokenVerifier, token: str, calls: int) -> float:
    async def batch() -> float:
        started = time.process_time_ns()
        for _ in range(calls):
            await verifier.averify(token)
        return (time.process_time_ns() - started) / calls / 1000

    return asyncio.run(batch())


def measure(variants: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median of ``repeats`` for each variant, the variants interleaved so drift hits all alike."""
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, run in variants.items():
            runs[name].append(run())
    return {name: statistics.median(values) for name, values in runs.items()}


def pem_pair() -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public.decode()


def jwks_verifier(url: str) -> TokenVerifier:
    keys = JwksKeySource(jwks_url=url + "/jwks")
    verifier = TokenVerifier(
        keys=keys, issuer=ISSUER, audience=AUDIENCE, leeway=30.0, roles_claim="realm_access.roles"
    )
    asyncio.run(keys.refetch())
    return verifier


def main() -> None:
    setup_logging("jwt-verify-benchmark", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    n, r = args.calls, args.repeats

    rsa_key, rsa_pem = pem_pair()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    hs_token = jwt.encode(claims(), SECRET, algorithm="HS256")
    rs_token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
    es_token = jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "ec-1"})
    jwks = {
        "keys": [
            {
                **RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True),
                "kid": "rsa-1",
                "alg": "RS256",
            },
            {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "ec-1"},
        ]
    }

    async def serve_jwks(request: Request) -> JSONResponse:
        return JSONResponse(jwks)

    static = dict(issuer=ISSUER, audience=AUDIENCE, leeway=30.0, roles_claim="realm_access.roles")
    hs_now = TokenVerifier(secret=SECRET, **static)
    rs_now = TokenVerifier(public_key=rsa_pem, **static)
    hs_before = previous_verify({"HS256": SECRET})
    rs_before = previous_verify({"RS256": rsa_pem})

    with run_server(Starlette(routes=[Route("/jwks", serve_jwks)])) as url:
        remote = jwks_verifier(url)
    variants: dict[str, Callable[[], float]] = {
        "HS256 static, previous path": lambda: timed(lambda: hs_before(hs_token), n),
        "HS256 static, verify()": lambda: timed(lambda: hs_now.verify(hs_token), n),
        "HS256 static, await averify()": lambda: timed_async(hs_now, hs_token, n),
        "RS256 static PEM, previous path": lambda: timed(lambda: rs_before(rs_token), n // 5),
        "RS256 static PEM, verify()": lambda: timed(lambda: rs_now.verify(rs_token), n // 5),
        "RS256 JWKS by kid, await averify()": lambda: timed_async(remote, rs_token, n // 5),
        "ES256 JWKS by kid, await averify()": lambda: timed_async(remote, es_token, n // 5),
    }
    results = measure(variants, r)
    rows = list(results.items())
    print(f"{'path':<40} {'µs/verification':>16}")
    for name, micros in rows:
        print(f"{name:<40} {micros:>16.2f}")
    us = dict(rows)
    print(
        "\nstatic HS256: {:+.2f} µs against the previous path (budget +5 µs); "
        "JWKS RS256: {:+.2f} µs against the previous static RS256, {:+.2f} µs against "
        "today's.".format(
            us["HS256 static, await averify()"] - us["HS256 static, previous path"],
            us["RS256 JWKS by kid, await averify()"] - us["RS256 static PEM, previous path"],
            us["RS256 JWKS by kid, await averify()"] - us["RS256 static PEM, verify()"],
        )
    )


if __name__ == "__main__":
    main()
