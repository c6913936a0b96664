"""The navigation bar fits (issue 18 item 5): at 1280 px an admin's bar is one row, the
notifications a bell whose name stays for screen readers; on a phone the word shows."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import PHONE, Person, in_database, open_window


def _admin(live_server) -> Person:
    from portal.extensions import db
    from tests.factories import Factory

    with in_database(live_server):
        factory = Factory()
        _head, _boss, (staff,) = factory.team(1)
        admin = factory.employee(staff.unit, is_admin=True)
        factory.period(staff.instansi)
        db.session.commit()
        return Person.of(admin)


# The distinct tops of the bar's items: one value when they share one row.
ROWS = (
    "[...new Set([...document.querySelectorAll('nav .nav > li')]"
    ".map(li => Math.round(li.getBoundingClientRect().top)))]"
)


def test_an_admins_bar_is_one_row_at_1280_px_and_the_bell_keeps_its_name(new_context, live_server):
    admin = _admin(live_server)
    wide = open_window(new_context, live_server, admin, viewport={"width": 1280, "height": 800})
    nav = wide.page.get_by_role("navigation", name="Navigasi utama")
    expect(nav.get_by_role("link", name="Pemberitahuan 0 belum dibaca")).to_be_visible()
    assert len(wide.page.evaluate(ROWS)) == 1
    assert wide.page.locator(".nav-label--icon").bounding_box()["width"] <= 1  # the bell alone
    phone = open_window(new_context, live_server, admin, viewport=PHONE)
    phone.page.locator("summary.menu__toggle").click()
    word = phone.page.locator(".nav-label--icon")
    expect(word).to_be_visible()
    assert word.bounding_box()["width"] > 40  # the word itself
