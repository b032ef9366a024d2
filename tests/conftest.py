"""Fixtures shared by every pyauth test suite.

- ``load_vectors(name)``: a JSON vector file from tests/vectors/, by file name.
- ``@pytest.mark.vectors(file, member, where={...})`` on a test that takes a ``vector``
  argument parametrises it over ``load_vectors(file)[member]`` (one test per vector,
  ids from the vector's own name fields; ``where`` keeps the vectors whose fields have
  the given values).
- ``jwt_keys``: session-wide key material for every JWS algorithm, generated once with
  ``cryptography`` (RSA 2048, P-256, P-384, Ed25519; 64-byte HMAC secrets), as PEM
  bytes, the form PyJWT users pass around.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGORITHMS = ("ES256", "ES384")
ALL_ALGORITHMS = (*HMAC_ALGORITHMS, *RSA_ALGORITHMS, *EC_ALGORITHMS, "EdDSA")


def load_vectors(name: str) -> Any:
    """The parsed JSON of tests/vectors/<name>. A missing file is an error, not a skip."""
    path = VECTORS_DIR / name
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _vector_id(vector: Any, index: int) -> str:
    if isinstance(vector, dict):
        for field in ("id", "name", "section", "description", "comment", "source"):
            value = vector.get(field)
            if isinstance(value, str) and value:
                return f"{index}-{value[:40]}"
    return str(index)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "vectors(file, member, where={}): parametrise the `vector` argument over the "
        "vectors of a file in tests/vectors",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("vectors")
    if marker is None or "vector" not in metafunc.fixturenames:
        return
    file, member = marker.args
    data = load_vectors(file)
    items = data[member] if member else data
    where = marker.kwargs.get("where", {})
    items = [v for v in items if all(v.get(k) == want for k, want in where.items())]
    assert isinstance(items, list) and items, f"{file}:{member} holds no vectors"
    metafunc.parametrize("vector", items, ids=[_vector_id(v, i) for i, v in enumerate(items)])


@pytest.fixture(scope="session", name="load_vectors")
def _load_vectors_fixture() -> Any:
    return load_vectors


@dataclass(frozen=True)
class KeyMaterial:
    """What a PyJWT user holds for one algorithm: the signing key and the verifying key
    (the same secret for HMAC; private and public PEM otherwise)."""

    algorithm: str
    signing: bytes
    verifying: bytes

    @property
    def is_hmac(self) -> bool:
        return self.algorithm.startswith("HS")


def _private_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="session")
def jwt_keys() -> dict[str, KeyMaterial]:
    """KeyMaterial for every algorithm in ALL_ALGORITHMS, generated once per session."""
    out: dict[str, KeyMaterial] = {}
    for alg in HMAC_ALGORITHMS:
        secret = secrets.token_bytes(64)  # >= the largest hash output (SHA-512)
        out[alg] = KeyMaterial(alg, secret, secret)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for alg in RSA_ALGORITHMS:
        out[alg] = KeyMaterial(alg, _private_pem(rsa_key), _public_pem(rsa_key))
    p256 = ec.generate_private_key(ec.SECP256R1())
    out["ES256"] = KeyMaterial("ES256", _private_pem(p256), _public_pem(p256))
    p384 = ec.generate_private_key(ec.SECP384R1())
    out["ES384"] = KeyMaterial("ES384", _private_pem(p384), _public_pem(p384))
    ed = ed25519.Ed25519PrivateKey.generate()
    out["EdDSA"] = KeyMaterial("EdDSA", _private_pem(ed), _public_pem(ed))
    return out


@pytest.fixture(params=ALL_ALGORITHMS)
def any_alg_keys(request: pytest.FixtureRequest, jwt_keys: dict[str, KeyMaterial]) -> KeyMaterial:
    """One test per algorithm, with that algorithm's session key material."""
    return jwt_keys[request.param]
