"""Single sign-on with JWTs signed by a key pair the test generates."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from service.app import create_app
from service.auth.oidc import OidcIssuer
from service.core.config import Settings
from tests.factories import make_corporation, make_municipality

ISSUER = "https://sso.gemeente.example/realms/woonloket"
AUDIENCE = "onderdak"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sso_client(
    tmp_path: Path,
    signing_key: rsa.RSAPrivateKey,
    session_factory: sessionmaker[Session],
    db_session: Session,
) -> Iterator[TestClient]:
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [public_jwk | {"kid": "k1", "use": "sig"}]}))
    settings = Settings(
        oidc_issuers=[
            OidcIssuer(
                issuer=ISSUER,
                audience=AUDIENCE,
                jwks_file=jwks_file,
                role_map={"woonloket": "desk", "corporatie": "corporation"},
            )
        ]
    )
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    make_corporation(db_session, code="ymere", municipalities=["GM0363"])
    db_session.flush()
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-17",
        "name": "Fatima El Amrani",
        "exp": int(time.time()) + 300,
        "onderdak_role": "woonloket",
        "onderdak_municipalities": ["GM0363"],
    } | overrides
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def _get(client: TestClient, token: str) -> Any:
    return client.get("/v1/municipalities", headers={"Authorization": f"Bearer {token}"})


def test_a_valid_token_maps_to_a_desk(sso_client: TestClient, signing_key: Any) -> None:
    assert _get(sso_client, _token(signing_key)).status_code == 200
    # A desk may read reference data but not change it: the mapping gave the desk role.
    response = sso_client.post(
        "/v1/municipalities",
        json={"code": "GM0001", "name": "X"},
        headers={"Authorization": f"Bearer {_token(signing_key)}"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "another-app"},
        {"iss": "https://evil.example"},
        {"onderdak_role": "superuser"},
        {"onderdak_municipalities": []},
        {"onderdak_role": "corporatie", "onderdak_corporation": "unknown"},
    ],
)
def test_bad_tokens_are_401(
    sso_client: TestClient, signing_key: Any, overrides: dict[str, Any]
) -> None:
    response = _get(sso_client, _token(signing_key, **overrides))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_token_signed_by_another_key_is_401(sso_client: TestClient) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _get(sso_client, _token(stranger)).status_code == 401


def test_api_keys_still_work_next_to_sso(
    sso_client: TestClient, admin_headers: dict[str, str]
) -> None:
    assert sso_client.get("/v1/municipalities", headers=admin_headers).status_code == 200
