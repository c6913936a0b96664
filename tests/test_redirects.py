"""No redirect leaves the site: one helper (``portal.web.same_site_path``) judges every
``next`` and every Referer, and forged ones fall back to a page of ours."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.web import same_site_path
from tests.conftest import TEST_PASSWORD

OFF_SITE = [
    "https://evil.example/phish",
    "http://evil.example",
    "//evil.example",
    "//evil.example/a",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://localhost.evil.example/",
    "https://localhost@evil.example/",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_are_refused(app, target):
    with app.test_request_context("/", base_url="http://localhost"):
        assert same_site_path(target) is None


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/target/5", "/target/5"),
        ("/skp?periode=3", "/skp?periode=3"),
        ("http://localhost/verifikasi?x=1#frag", "/verifikasi?x=1"),
        ("HTTP://LOCALHOST/a", "/a"),
    ],
)
def test_same_site_targets_become_paths(app, target, path):
    with app.test_request_context("/", base_url="http://localhost"):
        assert same_site_path(target) == path


def test_another_scheme_of_our_host_is_refused(app):
    with app.test_request_context("/", base_url="https://localhost"):
        assert same_site_path("http://localhost/a") is None


def _location(response) -> str:
    return response.headers.get("Location", "")


def _stays_here(location: str) -> bool:
    return location.startswith("/") and not location.startswith("//") and "evil" not in location


@pytest.mark.parametrize("forged", OFF_SITE[:12])
def test_a_target_action_without_htmx_ignores_a_forged_referer(factory, signed_in, forged):
    head, boss, (owner, _other) = factory.team(2)
    period = factory.period(owner.instansi)
    target = factory.target(owner, period)
    db.session.commit()
    client = signed_in(owner)
    response = client.post(
        f"/target/{target.id}/aksi/submit", {"version": "1"}, headers={"Referer": forged}
    )
    assert response.status_code == 303
    assert _location(response) == f"/target/{target.id}"


def test_a_target_action_without_htmx_goes_back_to_a_page_of_ours(factory, signed_in):
    head, boss, (owner, _other) = factory.team(2)
    period = factory.period(owner.instansi)
    target = factory.target(owner, period)
    db.session.commit()
    client = signed_in(owner)
    response = client.post(
        f"/target/{target.id}/aksi/submit",
        {"version": "1"},
        headers={"Referer": "http://localhost/skp?tab=1"},
    )
    assert response.status_code == 303
    assert _location(response) == "/skp?tab=1"


@pytest.mark.parametrize("forged", OFF_SITE[:12])
def test_the_language_switch_ignores_a_forged_referer(factory, signed_in, forged):
    head, boss, (owner, _other) = factory.team(2)
    db.session.commit()
    response = signed_in(owner).post(
        "/pengaturan/bahasa", {"language": "en"}, headers={"Referer": forged}
    )
    assert response.status_code == 303
    assert _location(response) == "/"


@pytest.mark.parametrize("forged", OFF_SITE)
def test_sign_in_ignores_a_next_pointing_off_site(factory, make_client, forged):
    head, boss, (owner, _other) = factory.team(2)
    db.session.commit()
    client = make_client()
    token = client.csrf_token()
    response = client.raw.post(
        "/masuk",
        query_string={"next": forged},
        data={"nip": owner.nip, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert _stays_here(_location(response))
    assert _location(response) == "/"


def test_sign_in_follows_a_next_on_this_site(factory, make_client):
    head, boss, (owner, _other) = factory.team(2)
    db.session.commit()
    client = make_client()
    token = client.csrf_token()
    response = client.raw.post(
        "/masuk",
        query_string={"next": "/skp?periode=1"},
        data={"nip": owner.nip, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert _location(response) == "/skp?periode=1"
