"""Bearer tokens of the city's sign-on (JWT) beside API keys, against the real server.

The server of the case loop trusts a test identity provider (an RSA key pair and
its JWKS file, tests/case_loop.py). Roles and department come from the token's
claims only; every kind of bad token is the same 401.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.case_loop import ORG_A, Loop
from tests.cases.test_loop import a_component


def _post_case(loop: Loop, token: str) -> Any:
    _, lon, lat = a_component(loop)
    return loop.client.post(
        "/cases",
        json={"class_code": "06010", "description": "暴露垃圾", "position": [lon, lat]},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )


def test_a_supervisor_token_reports_and_follows_its_case(loop: Loop) -> None:
    token = loop.sign_on.token(sub="inspector-7", roles=["supervisor"], name="巡查员七")
    answer = _post_case(loop, token)
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["id"]
    history = loop.client.get(
        f"/cases/{case_id}/history", headers={"Authorization": f"Bearer {token}"}
    )
    assert history.status_code == 200
    (first,) = [e for e in history.json()["events"] if e["action"] == "report"]
    assert first["role"] == "supervisor"
    # the same subject is the same caller: its idempotency keys and cases are its own
    again = loop.sign_on.token(sub="inspector-7", roles="supervisor")
    mine = loop.client.get(f"/cases/{case_id}", headers={"Authorization": f"Bearer {again}"})
    assert mine.status_code == 200


def test_roles_come_from_the_token_only(loop: Loop) -> None:
    citizen = loop.sign_on.token(sub="citizen-9", roles=["citizen"])
    case = _post_case(loop, citizen)
    assert case.status_code == 201
    case_id = case.json()["id"]
    headers = {"Authorization": f"Bearer {citizen}"}
    for body, status in (({"roles": ["acceptor"]}, (400,)), ({}, (403, 404))):
        forged = loop.client.post(
            f"/cases/{case_id}/actions/register",
            json=body,
            headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert forged.status_code in status, forged.text
    unknown_role = loop.sign_on.token(sub="x", roles=["superuser"])
    assert _post_case(loop, unknown_role).status_code == 403  # no platform role at all
    editor = loop.sign_on.token(sub="e", roles=["editor"], org_code=ORG_A)
    assert _post_case(loop, editor).status_code == 403


BAD_TOKENS = {
    "expired": lambda idp: idp.token(exp=int(time.time()) - 120, roles=["supervisor"]),
    "another audience": lambda idp: idp.token(aud="other-app", roles=["supervisor"]),
    "another issuer": lambda idp: idp.token(iss="https://evil.example", roles=["supervisor"]),
    "no expiry": lambda idp: idp.token(exp=None, roles=["supervisor"]),
    "no subject": lambda idp: idp.token(sub=None, roles=["supervisor"]),
    "unknown key id": lambda idp: idp.token(kid="other", roles=["supervisor"]),
    "signed by another key": lambda idp: idp.token(
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048), roles=["supervisor"]
    ),
    "handler without department": lambda idp: idp.token(roles=["handler"]),
    "tampered": lambda idp: _tampered(idp.token(roles=["citizen"])),
    "garbage": lambda idp: "a.b.c",
}


def _tampered(token: str) -> str:
    import base64
    import json

    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["roles"] = ["shift_leader"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_every_bad_token_is_401(loop: Loop, kind: str) -> None:
    answer = _post_case(loop, BAD_TOKENS[kind](loop.sign_on))
    assert answer.status_code == 401, (kind, answer.text)
    assert answer.json()["code"] == "Unauthorized"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_none_algorithm_token_is_refused(loop: Loop) -> None:
    import jwt

    unsigned = jwt.encode(
        {"iss": loop.sign_on.issuer, "aud": "geoplatform", "sub": "u", "exp": 2**31,
         "roles": ["shift_leader"]},
        key=None,
        algorithm="none",
    )  # fmt: skip
    assert _post_case(loop, unsigned).status_code == 401


def test_a_disabled_sign_on_subject_is_refused_before_its_tokens_expire(
    loop: Loop, tmp_path
) -> None:
    import subprocess
    import sys

    from tests.case_loop import server_env

    leaked = loop.sign_on.token(sub="inspector-leaked", roles=["supervisor"])
    other = loop.sign_on.token(sub="inspector-other", roles=["supervisor"])
    assert _post_case(loop, leaked).status_code == 201
    env = server_env(loop.settings, tmp_path) | loop.sign_on.env()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geoplatform.cli", "principal", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    disabled = cli("disable", "--token-subject", "inspector-leaked")
    assert disabled.returncode == 0, disabled.stderr
    refused = _post_case(loop, leaked)  # the test server keeps no credential in memory
    assert refused.status_code == 401
    assert refused.json()["code"] == "Unauthorized"
    fresh = loop.sign_on.token(sub="inspector-leaked", roles=["supervisor"])
    assert _post_case(loop, fresh).status_code == 401  # every token of the subject
    assert _post_case(loop, other).status_code == 201  # and only of that subject
    listed = cli("list")
    subject_id = disabled.stderr.split()[1]
    assert subject_id.startswith("oidc-")
    assert any(subject_id in line and "disabled" in line for line in listed.stdout.splitlines())
    # the id as audit rows name it works too; a made-up one is refused
    other_id = _subject_id_of(loop, other)
    assert cli("disable", other_id).returncode == 0
    assert _post_case(loop, other).status_code == 401
    missing = cli("disable", "oidc-not-a-digest")
    assert missing.returncode == 2 and "no principal" in missing.stderr


def _subject_id_of(loop: Loop, token: str) -> str:
    answer = _post_case(loop, token)
    history = loop.client.get(
        f"/cases/{answer.json()['id']}/history", headers={"Authorization": f"Bearer {token}"}
    )
    (first,) = [e for e in history.json()["events"] if e["action"] == "report"]
    return str(first["actor"])
