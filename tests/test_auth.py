"""Sign-in, lock-out, sessions and passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from portal import create_app
from portal.auth.forms import PASSWORDS_DIFFER
from portal.auth.passwords import PASSWORD_CONTAINS_NIP, PASSWORD_TOO_COMMON, verify_password
from portal.auth.services import GENERIC_FAILURE, LOCKED, PASSWORD_UNCHANGED
from portal.extensions import db as _db
from portal.models import AuditEvent, AuthFailure, Employee
from tests.conftest import TEST_PASSWORD, Client, app_config
from tests.factories import employee_form
from tests.pages import alert, field_error

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here

NEW_PASSWORD = "Kopi-Tubruk-Pagi-2026"
LOCKED_MESSAGE = LOCKED.format(minutes=15)
COOKIE = "portal_session"


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def fresh(db, employee: Employee) -> Employee:
    """The employee as committed: whatever a request left uncommitted is discarded."""
    db.session.rollback()
    return db.session.get(Employee, employee.id)


def cookie(client: Client) -> str:
    return client.raw.get_cookie(COOKIE).value


def with_cookie(make_client, value: str) -> Client:
    replay = make_client()
    replay.raw.set_cookie(COOKIE, value)
    return replay


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/masuk")


# Sign-in


@pytest.mark.parametrize("printed", [True, False])
def test_sign_in_with_the_nip_as_printed_or_as_digits(factory, client, db, printed):
    head, boss, staff = factory.team(1)
    response = client.login(boss.nip_display if printed else boss.nip)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert boss.name in page.get_data(as_text=True)
    assert fresh(db, boss).last_login_at is not None


def test_wrong_password_and_unknown_nip_are_answered_alike(factory, make_client):
    head, boss, staff = factory.team(1)
    wrong_password = make_client().login(boss, "Salah-Sandi-Sekali-1")
    unknown_nip = make_client().login("19800512 200501 1 003", TEST_PASSWORD)
    assert wrong_password.status_code == unknown_nip.status_code == 401
    assert alert(wrong_password) == alert(unknown_nip) == GENERIC_FAILURE


def test_empty_fields_are_a_422_with_a_message(client, db):
    response = client.post("/masuk", {"nip": "", "password": ""})
    assert response.status_code == 422
    assert field_error(response, "nip") == "Wajib diisi."
    assert field_error(response, "password") == "Wajib diisi."
    assert db.session.scalar(select(AuthFailure.id)) is None


def test_inactive_employee_cannot_sign_in(factory, client, db):
    unit = factory.unit()
    employee = factory.employee(unit, active=False)
    db.session.commit()
    response = client.login(employee)
    assert response.status_code == 401
    assert alert(response) == GENERIC_FAILURE
    assert redirects_to_login(client.get("/"))


# Lock-out


def attempts(client: Client, nip: str, passwords: list[str]) -> list[tuple[int, str | None]]:
    return [
        (response.status_code, alert(response))
        for response in (client.login(nip, password) for password in passwords)
    ]


def test_lockout_after_repeated_failures_refuses_the_right_password_too(
    factory, app, make_client, db
):
    head, boss, staff = factory.team(1)
    limit = app.config["PORTAL_LOCKOUT_ACCOUNT_FAILURES"]
    assert limit == 5
    wrong = [f"Salah-Sandi-{i}-xyz" for i in range(limit)]
    # Spaces or not, it is the same account.
    nips = [boss.nip_display if i % 2 else boss.nip for i in range(limit)]
    results = [
        make_client().login(nip, password) for nip, password in zip(nips, wrong, strict=True)
    ]
    assert [r.status_code for r in results] == [401] * (limit - 1) + [429]
    assert alert(results[-1]) == LOCKED_MESSAGE

    client = make_client()
    right = client.login(boss)
    assert right.status_code == 429
    assert alert(right) == LOCKED_MESSAGE
    assert redirects_to_login(client.get("/"))
    assert actions(db) == ["auth.login_failed"] * limit + ["auth.lockout", "auth.login_blocked"]
    # Another account is not affected.
    assert make_client().login(staff[0]).status_code == 302


@pytest.fixture
def low_lockout(app) -> int:
    """Lock an account after 3 failures: fewer slow Argon2 checks per test."""
    app.config["PORTAL_LOCKOUT_ACCOUNT_FAILURES"] = 3
    return 3


def test_lockout_does_not_reveal_whether_the_nip_exists(factory, make_client, low_lockout):
    head, boss, staff = factory.team(1)
    passwords = [f"Salah-Sandi-{i}-xyz" for i in range(low_lockout)] + [TEST_PASSWORD]
    known = attempts(make_client(), boss.nip, passwords)
    unknown = attempts(make_client(), "19800512 200501 1 003", passwords)
    assert known == unknown
    assert known[-2:] == [(429, LOCKED_MESSAGE), (429, LOCKED_MESSAGE)]


def test_a_successful_sign_in_clears_the_account_failures(factory, make_client, low_lockout):
    head, boss, staff = factory.team(1)
    for _ in range(2):
        for _ in range(low_lockout - 1):
            assert make_client().login(boss, "Salah-Sandi-xyz-1").status_code == 401
        assert make_client().login(boss).status_code == 302


@pytest.fixture
def second_app(database_url, tmp_path):
    """Another instance of the portal (another gunicorn worker) on the same database."""
    other = create_app(app_config(database_url, tmp_path / "second"))
    yield other
    with other.app_context():
        _db.engine.dispose()


def test_lockout_holds_across_two_app_instances(factory, db, make_client, second_app):
    head, boss, staff = factory.team(1)
    nip = boss.nip
    # The test shares the first instance's session: leave no transaction open in it, as
    # a worker between two requests would not.
    db.session.rollback()
    first = [make_client() for _ in range(3)]
    second = [Client(second_app.test_client()) for _ in range(3)]
    # Failures spread over both instances add up.
    for client in [first[0], second[0], first[1], second[1]]:
        assert client.login(nip, "Salah-Sandi-xyz-1").status_code == 401
    locking = first[2].login(nip, "Salah-Sandi-xyz-1")
    assert (locking.status_code, alert(locking)) == (429, LOCKED_MESSAGE)
    refused = second[2].login(nip)
    assert (refused.status_code, alert(refused)) == (429, LOCKED_MESSAGE)
    assert redirects_to_login(second[2].get("/"))


def test_lockout_per_ip(factory, app, make_client):
    app.config["PORTAL_LOCKOUT_IP_FAILURES"] = 3
    head, boss, staff = factory.team(1)
    guesser = make_client()
    guesser.raw.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    unknown = [f"19800512 200501 1 00{i}" for i in range(3)]
    statuses = [guesser.login(nip, "Salah-Sandi-xyz-1").status_code for nip in unknown]
    # Each account saw one failure only: the IP is what locks.
    assert statuses == [401, 401, 429]
    refused = guesser.login(boss)
    assert (refused.status_code, alert(refused)) == (429, LOCKED_MESSAGE)

    elsewhere = make_client()
    elsewhere.raw.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    assert elsewhere.login(boss).status_code == 302


def test_failures_older_than_the_window_do_not_count(factory, make_client, db, low_lockout):
    head, boss, staff = factory.team(1)
    for _ in range(low_lockout):
        make_client().login(boss, "Salah-Sandi-xyz-1")
    assert make_client().login(boss).status_code == 429
    for failure in db.session.scalars(select(AuthFailure)):
        failure.occurred_at -= timedelta(minutes=16)
    db.session.commit()
    assert make_client().login(boss).status_code == 302


# Sessions


def test_a_new_session_is_issued_at_sign_in(factory, client, make_client):
    head, boss, staff = factory.team(1)
    client.get("/masuk")
    before = cookie(client)
    assert client.login(boss).status_code == 302
    after = cookie(client)
    assert after != before
    # The anonymous cookie from before the sign-in grants nothing.
    assert redirects_to_login(with_cookie(make_client, before).get("/"))
    assert with_cookie(make_client, after).get("/").status_code == 200


def test_sign_out_ends_every_session_of_the_user(factory, login_as, make_client, db):
    head, boss, staff = factory.team(1)
    laptop, phone = login_as(boss), login_as(boss)
    other_user = login_as(staff[0])
    old_cookie = cookie(laptop)

    response = laptop.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/masuk"
    assert redirects_to_login(laptop.get("/"))
    assert redirects_to_login(phone.get("/"))
    assert redirects_to_login(with_cookie(make_client, old_cookie).get("/"))
    assert other_user.get("/").status_code == 200
    assert actions(db)[-1] == "auth.logout"


def test_sign_out_needs_a_post(factory, login_as):
    head, boss, staff = factory.team(1)
    client = login_as(boss)
    assert client.get("/keluar").status_code == 405
    assert client.get("/").status_code == 200


def test_session_expires_after_inactivity(factory, login_as, monkeypatch):
    head, boss, staff = factory.team(1)
    client = login_as(boss)
    now = TimestampSigner.get_timestamp(None)

    def later(hours: float):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + int(hours * 3600))

    later(7.9)
    assert client.get("/").status_code == 200  # activity renews the session
    later(7.9 + 7.9)
    assert client.get("/").status_code == 200
    later(7.9 + 7.9 + 8.1)
    assert redirects_to_login(client.get("/"))


# Passwords


def change(client: Client, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    response = client.post(
        "/kata-sandi",
        {
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )
    if response.status_code == 303:
        client._token = None  # a new session, hence a new CSRF token
    return response


def test_password_change_ends_other_sessions_but_keeps_this_one(factory, login_as, make_client, db):
    head, boss, staff = factory.team(1)
    laptop, phone = login_as(boss), login_as(boss)
    old_cookie = cookie(laptop)

    response = change(laptop)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert laptop.get("/").status_code == 200
    assert redirects_to_login(phone.get("/"))
    assert redirects_to_login(with_cookie(make_client, old_cookie).get("/"))

    assert make_client().login(boss, TEST_PASSWORD).status_code == 401
    assert make_client().login(boss, NEW_PASSWORD).status_code == 302
    assert "auth.password_changed" in actions(db)


LONGEST = "Ab3-" * 32


COMMON = PASSWORD_TOO_COMMON
BAD_PASSWORDS = [
    # (current, new, confirm, field, message)
    (TEST_PASSWORD, "Ab3-xyz", None, "password", "Kata sandi minimal 8 karakter."),
    (TEST_PASSWORD, LONGEST + "x", None, "password", "Kata sandi maksimal 128 karakter."),
    (TEST_PASSWORD, "password123", None, "password", COMMON),
    (TEST_PASSWORD, "bismillah", None, "password", COMMON),
    (TEST_PASSWORD, "Bismillah", None, "password", COMMON),
    (
        TEST_PASSWORD,
        TEST_PASSWORD,
        None,
        "password",
        PASSWORD_UNCHANGED,
    ),
    (
        TEST_PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD + "!",
        "confirm",
        PASSWORDS_DIFFER,
    ),
    ("Bukan-Sandi-Saya-1", NEW_PASSWORD, None, "current_password", "Kata sandi saat ini salah."),
    (TEST_PASSWORD, "", None, "password", "Wajib diisi."),
]


def test_bad_new_password_is_refused_and_nothing_changes(factory, signed_in, db, subtests):
    head, boss, staff = factory.team(1)
    client = signed_in(boss)
    before = (boss.password_hash, boss.session_version, boss.must_change_password)
    for current, new, confirm, field, message in BAD_PASSWORDS:
        with subtests.test(new=new[:20], confirm=confirm):
            response = change(client, current, new, confirm)
            assert response.status_code == 422
            assert field_error(response, field) == str(message)
            boss = fresh(db, boss)
            assert (boss.password_hash, boss.session_version, boss.must_change_password) == (before)
            assert "auth.password_changed" not in actions(db)
            assert client.get("/").status_code == 200


def test_password_may_not_contain_the_nip(factory, signed_in, db):
    head, boss, staff = factory.team(1)
    client = signed_in(boss)
    response = change(client, new=f"x{boss.nip}x")
    assert response.status_code == 422
    assert field_error(response, "password") == str(PASSWORD_CONTAINS_NIP)


@pytest.mark.parametrize("new", ["Ab3-wxyz", LONGEST], ids=["8", "128"])
def test_password_length_limits_are_inclusive(factory, signed_in, make_client, db, new):
    head, boss, staff = factory.team(1)
    assert change(signed_in(boss), new=new).status_code == 303
    assert verify_password(fresh(db, boss).password_hash, new)
    assert make_client().login(boss, new).status_code == 302


def test_forced_password_change_at_first_sign_in(factory, make_client, db):
    head, boss, staff = factory.team(1)
    boss.must_change_password = True
    db.session.commit()
    client = make_client()
    response = client.login(boss)
    assert response.status_code == 302
    assert response.headers["Location"] == "/kata-sandi"

    for url in [
        "/",
        f"/pegawai/{boss.id}",
        f"/pegawai/{staff[0].id}",
        "/admin/pegawai",
        "/pegawai/999999",
    ]:
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert blocked.headers["Location"] == "/kata-sandi", url
    language = client.post("/pengaturan/bahasa", {"language": "en"})
    assert language.headers["Location"] == "/kata-sandi"
    assert fresh(db, boss).language == "id"
    assert client.get("/kata-sandi").status_code == 200

    assert change(client).status_code == 303
    assert fresh(db, boss).must_change_password is False
    assert client.get("/").status_code == 200


def test_forced_password_change_still_allows_sign_out(factory, make_client, db):
    head, boss, staff = factory.team(1)
    boss.must_change_password = True
    db.session.commit()
    client = make_client()
    client.login(boss)
    assert client.logout().headers["Location"] == "/masuk"
    assert redirects_to_login(client.get("/"))


def test_deactivation_by_the_admin_ends_the_session(factory, login_as, db):
    head, boss, staff = factory.team(1)
    admin = factory.employee(head.unit, atasan=head, is_admin=True)
    db.session.commit()
    victim = login_as(staff[0])
    assert victim.get("/").status_code == 200

    response = login_as(admin).post(
        f"/admin/pegawai/{staff[0].id}/ubah", employee_form(staff[0], active=None)
    )
    assert response.status_code == 303
    assert fresh(db, staff[0]).active is False
    assert redirects_to_login(victim.get("/"))


# Audit


def test_every_sign_in_event_is_audited(factory, make_client, db):
    head, boss, staff = factory.team(1)
    client = make_client()
    client.raw.environ_base.update(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="UjiBrowser/1.0")
    client.login(boss)
    client.post(
        "/kata-sandi",
        {"current_password": "Salah-1234", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    change(client)
    client.logout()
    for _ in range(5):
        client.login(boss, "Salah-Sandi-xyz-1")
    client.login(boss, NEW_PASSWORD)

    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == [
        "auth.login",
        "auth.password_change_failed",
        "auth.password_changed",
        "auth.logout",
        *["auth.login_failed"] * 5,
        "auth.lockout",
        "auth.login_blocked",
    ]
    for event in events:
        assert event.ip == "192.0.2.10"
        assert event.user_agent == "UjiBrowser/1.0"
        assert event.occurred_at is not None
    for event in events[:4]:
        assert (event.actor_id, event.object_type, event.object_id) == (
            boss.id,
            "Employee",
            boss.id,
        )
        assert event.instansi_id == boss.instansi_id
    assert events[4].summary == {"nip": boss.nip, "reason": "credentials"}
    # No password, old or new, ever reaches the log.
    for event in events:
        text = repr(event.summary)
        assert TEST_PASSWORD not in text and NEW_PASSWORD not in text


def test_failed_sign_in_with_an_unknown_nip_is_audited_without_an_actor(client, db):
    client.login("19800512 200501 1 003", "Salah-Sandi-xyz-1")
    event = db.session.scalar(select(AuditEvent))
    assert event.action == "auth.login_failed"
    assert (event.actor_id, event.object_id) == (None, None)
    assert event.summary == {"nip": "198005122005011003", "reason": "credentials"}


# Where to go after signing in


def test_next_takes_the_user_back_to_the_page_asked_for(factory, make_client):
    head, boss, staff = factory.team(1)
    client = make_client()
    asked = client.get(f"/pegawai/{staff[0].id}?tab=bawahan")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    assert login_url.startswith("/masuk?next=")
    client.get(login_url)
    response = client.post(login_url, {"nip": boss.nip, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pegawai/{staff[0].id}?tab=bawahan"


OFF_SITE = [
    "//evil.example",
    "https://evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
]


def test_next_never_leaves_the_site(factory, make_client, subtests):
    head, boss, staff = factory.team(1)
    for target in OFF_SITE:
        with subtests.test(next=target):
            response = make_client().post(
                "/masuk",
                {"nip": boss.nip, "password": TEST_PASSWORD},
                query_string={"next": target},
            )
            assert response.status_code == 302
            assert response.headers["Location"] == "/"
