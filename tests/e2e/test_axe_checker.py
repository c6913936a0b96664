"""The axe check every browser test runs (tests/e2e/conftest.py) does find a violation:
a test of the checker itself, so that a silent checker cannot pass the journeys."""

from __future__ import annotations

import time


def test_the_axe_check_reports_an_image_without_a_text_alternative(
    new_context, live_server, axe_violations
):
    page = new_context().new_page()
    page.goto(live_server("/masuk"))
    page.wait_for_load_state("load")
    time.sleep(1)  # the load's own check
    assert axe_violations == []  # the sign-in page itself is clean
    page.evaluate(
        """() => {
          const img = document.createElement('img');
          img.src = '/static/img/favicon.svg';
          document.querySelector('main').append(img);
          document.dispatchEvent(new Event('htmx:afterSettle'));
        }"""
    )
    deadline = time.monotonic() + 15
    while not axe_violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(axe_violations) == 1 and '"image-alt"' in axe_violations[0]
    assert axe_violations[0].startswith("/masuk ")
    axe_violations.clear()  # seen: the fixture's own check at the end passes
