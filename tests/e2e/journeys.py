"""What the journeys share: people of their own in the live server's database, a browser
window per person, the CSP watch, and the checks that an htmx action changed the page in
place (no reload) and that the inbox badge followed.

Each journey builds a fresh team in a new instansi (``tests.factories``), so that it
relies on nothing of the demo agency's state and leaves it alone for the other modules.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import ConsoleMessage, Page, expect

from portal.extensions import db
from portal.models import Employee
from portal.nip import format_nip
from tests.conftest import TEST_PASSWORD

# The narrowest phones in use (360 px: many Android models); 1280 px is the desktop.
PHONE = {"width": 360, "height": 780}


@dataclass(frozen=True)
class Person:
    """An employee as the browser knows them: what signing in and finding them takes."""

    id: int
    nip: str
    display_name: str

    @classmethod
    def of(cls, employee: Employee) -> Person:
        return cls(employee.id, employee.nip, employee.display_name)


@contextmanager
def in_database(live_server) -> Iterator[None]:
    """The live server's app context, for building state the way the other tests do."""
    with live_server.app.app_context():
        try:
            yield
        finally:
            db.session.remove()


@dataclass
class Window:
    """One person's browser window, with the CSP violations Chromium reported in it."""

    page: Page
    csp_violations: list[str]
    _mark: str = ""

    def mark(self) -> None:
        """Tag the current document: a reload or a boosted navigation replaces ``<main>``
        and loses the tag, an htmx swap inside the page keeps it."""
        token = secrets.token_hex(4)
        self.page.evaluate(
            "token => { document.getElementById('main').dataset.e2e = token }", token
        )
        self._mark = token

    def expect_no_reload(self) -> None:
        expect(self.page.locator("#main")).to_have_attribute("data-e2e", self._mark)

    def badge(self):
        return self.page.locator("#inbox-badge")

    def expect_badge(self, count: int) -> None:
        """The nav badge shows ``count`` (its text is the number plus a hidden word)."""
        expect(self.badge()).to_have_text(re.compile(rf"^\s*{count}\b"))


def open_window(new_context: Callable, live_server, person: Person, viewport=None) -> Window:
    """A new browser context signed in as ``person`` (through the sign-in form)."""
    options = {"viewport": viewport} if viewport else {}
    page = new_context(**options).new_page()
    window = Window(page, watch_csp(page))
    page.goto(live_server("/masuk"))
    page.get_by_label("NIP").fill(format_nip(person.nip))
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server("/"))
    return window


def watch_csp(page: Page) -> list[str]:
    """Collect the console messages in which Chromium reports a CSP violation."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


@dataclass(frozen=True)
class Team:
    """A supervisor (atasan) and their staff in a new instansi, with its open period."""

    boss: Person
    staff: list[Person]
    period_id: int

    @property
    def owner(self) -> Person:
        return self.staff[0]


def fresh_team(live_server, size: int = 1, build: Callable | None = None) -> Team:
    """A new instansi with a head, a supervisor and ``size`` staff, and a 2026 period.
    ``build(factory, owner, period)`` adds whatever state the journey starts from."""
    from tests.factories import Factory

    with in_database(live_server):
        factory = Factory()
        _head, boss, staff = factory.team(size)
        period = factory.period(boss.instansi)
        if build is not None:
            build(factory, staff[0], period)
        db.session.commit()
        return Team(Person.of(boss), [Person.of(e) for e in staff], period.id)


# static/css/portal.css shows the navigation links without the "Menu" toggle from 64rem.
MENU_BREAKPOINT_PX = 64 * 16


def in_menu(window: Window, link: str) -> None:
    """Follow a navigation link; on a phone it sits in the "Menu" disclosure (on a wide
    screen the toggle is hidden and the links show)."""
    page = window.page
    # Decided by the window's width, not by asking whether the toggle is visible: that
    # answer does not wait, and before the stylesheet applies it is wrong on a desktop.
    narrow = (page.viewport_size or {"width": 1280})["width"] < MENU_BREAKPOINT_PX
    if narrow and page.locator("details.menu").get_attribute("open") is None:
        page.locator("summary.menu__toggle").click()
    nav = page.get_by_role("navigation", name="Navigasi utama")
    # The admin's areas sit under "Kelola", one's own account under "Akun saya" (a
    # dropdown on wide screens; on a phone its links stand in the menu).
    for group in nav.locator("details.nav-group__details").all():
        if link not in (group.locator("ul").text_content() or ""):
            continue
        if group.get_attribute("open") is None and group.locator("summary").is_visible():
            group.locator("summary").click()
    nav.get_by_role("link", name=link).click()
