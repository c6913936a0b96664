"""The supervisor's first journey: sign in, see the team, open a profile, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Employee
from portal.nip import format_nip
from portal.seed.demo import ATASAN, DEMO_PASSWORD, PEGAWAI

PHONE = {"width": 360, "height": 740}


def watch_csp(page: Page) -> list[str]:
    """Collect the console messages in which Chromium reports a CSP violation."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    return watch_csp(page)


def direct_subordinates(live_server) -> list[str]:
    with live_server.app.app_context():
        boss_id = select(Employee.id).where(Employee.nip == ATASAN.nip).scalar_subquery()
        names = [
            e.display_name
            for e in db.session.scalars(
                select(Employee)
                .where(Employee.atasan_id == boss_id, Employee.active.is_(True))
                .order_by(Employee.name)
            )
        ]
        db.session.remove()
    return names


def sign_in(page: Page, live_server, nip: str, password: str) -> None:
    page.goto(live_server("/"))
    expect(page).to_have_url(re.compile(r"/masuk"))
    page.get_by_label("NIP").fill(nip)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def test_supervisor_signs_in_sees_team_opens_profile_and_signs_out(
    page: Page, live_server, csp_violations
):
    team = direct_subordinates(live_server)
    assert len(team) >= 2, "the demo supervisor should have a team"

    sign_in(page, live_server, format_nip(ATASAN.nip), DEMO_PASSWORD)

    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ATASAN.name)
    assert page.evaluate("typeof htmx") == "object"
    team_section = page.get_by_role("region", name=re.compile("Bawahan langsung"))
    for name in team:
        expect(team_section.get_by_role("link", name=name, exact=True)).to_be_visible()

    team_section.get_by_role("link", name=team[0], exact=True).click()
    expect(page).to_have_url(re.compile(r"/pegawai/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(team[0])
    chain = page.get_by_role("region", name="Rantai atasan")
    expect(chain.get_by_role("link", name=re.compile(re.escape(ATASAN.name)))).to_be_visible()
    assert page.evaluate("typeof htmx") == "object"

    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk$"))
    expect(page.get_by_role("status").filter(has_text="Anda sudah keluar")).to_be_visible()

    page.goto(live_server("/"))
    expect(page).to_have_url(re.compile(r"/masuk\?next=(/|%2F)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke Portal Kinerja")

    assert csp_violations == []


def test_wrong_password_is_refused_without_saying_whether_the_nip_exists(
    page: Page, live_server, csp_violations
):
    sign_in(page, live_server, format_nip(ATASAN.nip), "bukan-kata-sandinya")

    expect(page.get_by_role("alert").filter(has_text="NIP atau kata sandi salah.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/masuk"))
    assert csp_violations == []


def test_on_a_phone_the_menu_opens_and_signs_out(new_context, live_server):
    page = new_context(viewport=PHONE).new_page()
    violations = watch_csp(page)
    sign_in(page, live_server, format_nip(PEGAWAI.nip), DEMO_PASSWORD)
    expect(page).to_have_url(live_server("/"))

    menu = page.get_by_role("navigation", name="Navigasi utama")
    expect(menu).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_text("Menu", exact=True).click()
    expect(menu.get_by_role("link", name="Profil saya")).to_be_visible()

    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk$"))
    assert violations == []


def test_the_csp_check_would_catch_an_inline_style(page: Page, live_server, csp_violations):
    """The detector itself: an inline style attribute is refused and reported."""
    page.goto(live_server("/masuk"))
    # Inside the page's main landmark, where axe's own check has nothing to say about it.
    page.evaluate(
        "document.querySelector('main')"
        ".insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')"
    )
    page.wait_for_timeout(200)
    assert csp_violations, "Chromium reported no CSP violation for an inline style"
