"""Access tokens the API must refuse: expired, foreign key, `alg: none`, wrong type, tampered."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db

PROFILE = "/api/auth/profile"


def claims(user, **overrides):
    now = int(time.time())
    body = {"token_type": "access", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex, "user_id": str(user.pk)}
    body.update(overrides)
    return body


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def get_profile(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.get(PROFILE)


def assert_rejected(resp):
    assert resp.status_code == 401, resp.content
    err = resp.json()["error"]
    assert set(err) == {"code", "message", "fields"}
    assert err["code"] == "authentication_failed"
    assert err["message"] == "Token is invalid or expired."
    return err


@pytest.fixture
def alice():
    return make_user("alice")


def test_a_well_formed_token_is_accepted(api_client, alice):
    # The control: the same construction with the right key works, so the rejections below mean something.
    token = jwt.encode(claims(alice), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert get_profile(api_client, token).status_code == 200


def test_expired_token_rejected(api_client, alice):
    now = int(time.time())
    token = jwt.encode(claims(alice, iat=now - 3600, exp=now - 60), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert_rejected(get_profile(api_client, token))


def test_expired_simplejwt_token_rejected(api_client, alice):
    access = AccessToken.for_user(alice)
    access.set_exp(lifetime=-access.lifetime)
    assert_rejected(get_profile(api_client, str(access)))


def test_token_signed_with_another_key_rejected(api_client, alice):
    token = jwt.encode(claims(alice), "another-key-" + "x" * 40, algorithm="HS256")
    assert_rejected(get_profile(api_client, token))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_rejected(api_client, alice, alg):
    token = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims(alice))}."
    assert_rejected(get_profile(api_client, token))


def test_pyjwt_unsigned_token_rejected(api_client, alice):
    token = jwt.encode(claims(alice), None, algorithm="none")
    assert_rejected(get_profile(api_client, token))


def test_other_hmac_algorithm_with_the_right_key_rejected(api_client, alice):
    # Only HS256 is configured; an attacker must not pick the algorithm.
    token = jwt.encode(claims(alice), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")
    assert_rejected(get_profile(api_client, token))


def test_tampered_payload_rejected(api_client, alice):
    bob = make_user("bob")
    header, _, signature = str(AccessToken.for_user(alice)).split(".")
    forged = f"{header}.{b64(claims(bob))}.{signature}"
    assert_rejected(get_profile(api_client, forged))


def test_refresh_token_is_not_an_access_token(api_client, alice):
    assert_rejected(get_profile(api_client, str(RefreshToken.for_user(alice))))


def test_token_without_exp_rejected(api_client, alice):
    body = claims(alice)
    del body["exp"]
    token = jwt.encode(body, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert_rejected(get_profile(api_client, token))


def test_token_for_a_user_that_no_longer_exists(api_client):
    from accounts.models import User

    ghost = User.objects.create_user(username="ghost", email="ghost@example.in", password="x", vpa="ghost@securebank")
    token = str(AccessToken.for_user(ghost))
    ghost.delete()
    resp = get_profile(api_client, token)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "Bearer a.b.c", "Bearer " + "A" * 5000])
def test_malformed_authorization_headers(api_client, alice, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    resp = api_client.get(PROFILE)
    assert resp.status_code == 401
    assert set(resp.json()["error"]) == {"code", "message", "fields"}


def test_rejection_does_not_echo_token_internals(api_client, alice):
    token = jwt.encode(claims(alice), "another-key-" + "x" * 40, algorithm="HS256")
    text = get_profile(api_client, token).content.decode()
    for leak in ("token_class", "AccessToken", "Signature", "messages", settings.SECRET_KEY):
        assert leak not in text


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(api_client, alice, scheme):
    # RFC 9110: an authentication scheme is case-insensitive; some HTTP clients send `bearer`.
    api_client.credentials(HTTP_AUTHORIZATION=f"{scheme} {AccessToken.for_user(alice)}")
    assert api_client.get(PROFILE).status_code == 200
