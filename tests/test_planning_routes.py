"""The planning screens over HTTP: who sees what, full pages and htmx fragments, the
inbox badge, and every bad input of issue 3 (a clear message, and nothing changed)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS
from portal.models import (
    AuditEvent,
    EvaluatorAssignment,
    MonthlyTarget,
    Target,
    TargetComment,
    TargetHistory,
)
from portal.models.periods import PeriodStatus
from portal.plans.analysis import BACKLOADED_TARGETS
from portal.plans.forms import (
    COMMENT_FORM_INCOMPLETE,
    COMMENT_REQUIRED,
    COMMENT_TOO_LONG,
    KIND_INVALID,
    MONTHLY_MISMATCH,
    NONE_CHOSEN,
    PARENT_INVALID,
    TITLE_REQUIRED,
    UNIT_REQUIRED,
)
from portal.plans.services import COMMENT_MAX, QUANTITY_MAX, spread_evenly
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows import engine


@pytest.fixture
def w(factory, monkeypatch):
    """A team in one instansi, an admin, and last year's and this year's periods, on a
    day of planning (20 January: no month has ended, no report or evaluation is due)."""
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (owner, colleague) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    last = factory.period(
        owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
    )
    period = factory.period(owner.instansi)
    db.session.commit()
    return SimpleNamespace(
        factory=factory,
        head=head,
        boss=boss,
        owner=owner,
        colleague=colleague,
        admin=admin,
        last=last,
        period=period,
    )


@pytest.fixture
def other(factory):
    """Another instansi: a supervisor, one employee, and its own period."""
    _, boss, (staff,) = factory.team(1)
    period = factory.period(staff.instansi)
    db.session.commit()
    return SimpleNamespace(boss=boss, staff=staff, period=period)


@pytest.fixture
def sign_in(make_client):
    return lambda employee: signed_in(make_client(), employee)


def _target(w, owner=None, period=None, **kw) -> Target:
    target = w.factory.target(owner or w.owner, period or w.period, **kw)
    db.session.commit()
    return target


def _form(**changes) -> dict:
    data = {
        "title": "Tersusunnya laporan analisis jabatan",
        "kind": "utama",
        "indicator": "Laporan selesai tepat waktu",
        "quantity": "12",
        "quantity_unit": "laporan",
        "quality_target": "100",
        "time_months": "12",
        **{f"month_{i}": "1" for i in range(1, 13)},
    }
    data.update(changes)
    return data


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Target)),
        db.session.scalar(select(func.count()).select_from(MonthlyTarget)),
    )


def _plan_url(w, employee=None, period=None) -> str:
    return f"/skp/{(period or w.period).id}/pegawai/{(employee or w.owner).id}"


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error"[^>]*id="f-{field}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


# -- screens: who may see them -------------------------------------------------------------


def test_my_plan_leads_to_the_own_plan_of_the_open_period(w, login_as):
    client = login_as(w.owner)
    response = client.get("/skp")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_plan_url(w))
    page = client.get(_plan_url(w))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "SKP saya" in html and "Tambah target" in html


def _check_access(w, other, sign_in, expected: dict[str, int], *urls: str) -> None:
    """Each viewer gets the status ``expected`` says, on every URL, as a whole page."""
    viewers = {
        "owner": w.owner,
        "boss": w.boss,
        "head": w.head,
        "admin": w.admin,
        "colleague": w.colleague,
        "outsider": other.staff,
    }
    for viewer, status in expected.items():
        client = sign_in(viewers[viewer])
        for url in urls:
            response = client.get(url)
            assert response.status_code == status, f"{viewer} on {url}"
            assert "<html" in response.get_data(as_text=True)


def test_who_sees_a_plan_and_a_target(w, other, sign_in):
    """Owner, supervisor, the supervisor's supervisor and the admin see; a colleague is
    refused; for someone of another instansi the plan does not exist."""
    target = _target(w)
    _check_access(
        w,
        other,
        sign_in,
        {"owner": 200, "boss": 200, "head": 200, "admin": 200, "colleague": 403, "outsider": 404},
        _plan_url(w),
        f"/target/{target.id}",
    )


def test_the_plan_lists_its_targets(w, sign_in):
    target = _target(w)
    html = sign_in(w.owner).get(_plan_url(w)).get_data(as_text=True)
    assert target.title in html
    html = sign_in(w.colleague).get(_plan_url(w)).get_data(as_text=True)
    assert target.title not in html


def test_the_analysis_is_for_the_supervisors(w, sign_in):
    _target(w)
    for viewer, analysis in (("owner", False), ("boss", True), ("head", True), ("admin", True)):
        html = sign_in(getattr(w, viewer)).get(_plan_url(w)).get_data(as_text=True)
        assert ('<div class="analysis">' in html) is analysis, viewer
        if analysis:
            assert "Belum selaras" in html and "Median rekan sejabatan" in html


def test_the_subordinates_plan_shows_the_analysis_per_target(w, sign_in):
    parent = _target(w, owner=w.boss, title="Meningkatnya kualitas kelembagaan")
    _target(w, owner=w.colleague, title="Menyusun laporan evaluasi jabatan", quantity=12)
    _target(w, owner=w.owner, period=w.last, title="Menyusun laporan evaluasi jabatan", quantity=20)
    mine = _target(
        w,
        title="Menyusun laporan evaluasi jabatan",
        quantity=40,
        parent=parent,
        monthly=[0] * 9 + [10, 10, 20],
    )
    html = sign_in(w.boss).get(_plan_url(w)).get_data(as_text=True)
    card = html[html.index(f'id="target-{mine.id}"') :]
    assert "Meningkatnya kualitas kelembagaan" in card  # its alignment
    assert "20 laporan" in card  # last period's similar target
    assert "12 laporan" in card and "tinggi" in card  # against the peers' median
    assert str(BACKLOADED_TARGETS) in card
    assert "bulan tanpa target" in card


def test_only_the_owner_opens_the_editors(w, other, sign_in):
    target = _target(w)
    _check_access(
        w,
        other,
        sign_in,
        {"owner": 200, "boss": 403, "admin": 403, "colleague": 403, "outsider": 404},
        f"{_plan_url(w)}/target/baru",
        f"/target/{target.id}/ubah",
    )


def test_the_editor_shows_the_supervisors_targets_to_support(w, sign_in):
    parent = _target(w, owner=w.boss, title="Target kepala bagian")
    _target(w, owner=w.head, title="Target kepala dinas")
    html = sign_in(w.owner).get(f"{_plan_url(w)}/target/baru").get_data(as_text=True)
    assert f'<option value="{parent.id}"' in html
    assert "Target kepala dinas" not in html


def test_an_employee_plans_before_the_supervisor_has_any_target(w, sign_in):
    client = sign_in(w.owner)
    html = client.get(f"{_plan_url(w)}/target/baru").get_data(as_text=True)
    assert "Atasan Anda belum menyusun target" in html
    assert client.post(f"{_plan_url(w)}/target/baru", _form()).status_code == 303
    assert _counts() == (1, 12)


def test_who_sees_the_cascade(w, other, sign_in):
    """The supervisor, those above and the admin; not the subordinates nor a colleague."""
    parent = _target(w, owner=w.boss, title="Target kepala bagian")
    _target(w, parent=parent, title="Target pendukung")
    _check_access(
        w,
        other,
        sign_in,
        {"boss": 200, "head": 200, "admin": 200, "owner": 403, "colleague": 403, "outsider": 404},
        f"{_plan_url(w, w.boss)}/kaskade",
    )


def test_the_cascade_shows_supporters_unaligned_targets_and_idle_subordinates(w, sign_in):
    parent = _target(w, owner=w.boss, title="Target kepala bagian")
    _target(w, parent=parent, title="Target pendukung")
    _target(w, title="Target lepas")
    client = sign_in(w.boss)
    response = client.get(f"/skp/{w.period.id}/kaskade")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    branch = html[html.index("Target kepala bagian") : html.index('id="unaligned-title"')]
    assert "Target pendukung" in branch
    unaligned = html[html.index('id="unaligned-title"') : html.index('id="idle-title"')]
    assert "Target lepas" in unaligned and "(1)" in unaligned
    idle = html[html.index('id="idle-title"') :]
    assert w.colleague.name in idle and w.owner.name not in idle


def test_the_inbox_shows_what_awaits_each_person(w, sign_in):
    draft = _target(w, title="Draf milik pegawai")
    submitted = _target(w, title="Target yang diajukan")
    engine.fire(submitted, "submit", w.owner)
    db.session.commit()

    owner_html = sign_in(w.owner).get("/perlu-tindakan").get_data(as_text=True)
    assert draft.title in owner_html and submitted.title not in owner_html
    boss_html = sign_in(w.boss).get("/perlu-tindakan").get_data(as_text=True)
    assert submitted.title in boss_html and draft.title not in boss_html
    assert "<html" in boss_html
    colleague_html = sign_in(w.colleague).get("/perlu-tindakan").get_data(as_text=True)
    assert "Tidak ada yang menunggu tindakan Anda" in colleague_html


def test_a_revision_request_shows_in_the_owners_inbox_with_its_reason(w, sign_in):
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    engine.fire(target, "request_revision", w.boss, reason="Kurangi target Desember")
    db.session.commit()
    html = sign_in(w.owner).get("/perlu-tindakan").get_data(as_text=True)
    assert "Diminta perbaikan:" in html and "Kurangi target Desember" in html


def _oob_badge(response) -> int:
    """The inbox badge an htmx action brings along (an out-of-band swap): the count is
    fresh without a second request, so no event asks for one."""
    html = response.get_data(as_text=True)
    match = re.search(r'<span id="inbox-badge"[^>]*hx-swap-oob="true"[^>]*>(\d+)<', html)
    assert match, "no out-of-band badge in the response"
    assert "HX-Trigger" not in response.headers
    return int(match.group(1))


def _badge(client) -> int:
    html = client.get("/perlu-tindakan/jumlah", htmx=True).get_data(as_text=True)
    assert "<html" not in html
    return int(re.search(r'id="inbox-badge"[^>]*>(\d+)<', html).group(1))


def test_the_badge_counts_and_follows_each_action(w, sign_in):
    first, second = _target(w), _target(w)
    owner, boss = sign_in(w.owner), sign_in(w.boss)
    assert (_badge(owner), _badge(boss)) == (2, 0)

    response = owner.post(
        f"/target/{first.id}/aksi/submit", {"version": "1", "view": "card"}, htmx=True
    )
    assert _oob_badge(response) == 1
    assert (_badge(owner), _badge(boss)) == (1, 1)
    boss.post(f"/target/{first.id}/aksi/approve", {"version": "2", "view": "card"}, htmx=True)
    assert (_badge(owner), _badge(boss)) == (1, 0)
    assert second.id  # still a draft, still counted


def _buttons(html: str, target: Target) -> set[str]:
    """The triggers offered for ``target``: forms to fire, and disabled buttons with the
    reason they are blocked."""
    forms = re.findall(rf'action="/target/{target.id}/aksi/(\w+)"', html)
    blocked = re.findall(rf'id="blocked-{target.id}-(\w+)"', html)
    return set(forms) | set(blocked)


def test_the_buttons_are_exactly_the_available_actions(w, sign_in):
    """On the plan and on the target page, each person is offered the triggers that
    ``engine.available_actions`` gives them, and nothing else."""
    targets = {state: _target(w, state=state) for state in ("drafted", "discussed", "approved")}
    for person in ("owner", "boss", "head", "admin", "colleague"):
        user = getattr(w, person)
        client = sign_in(user)
        plan_html = client.get(_plan_url(w)).get_data(as_text=True)
        for state, target in targets.items():
            expected = {a.trigger for a in engine.available_actions(user, target)}
            if (person, state) == ("boss", "discussed"):
                assert expected == {"approve", "request_revision"}  # not a vacuous check
            response = client.get(f"/target/{target.id}")
            page = response.get_data(as_text=True) if response.status_code == 200 else ""
            assert _buttons(page, target) == _buttons(plan_html, target) == expected, (
                person,
                state,
            )


# -- full pages and fragments --------------------------------------------------------------


def test_an_htmx_action_returns_only_the_card_and_announces_the_change(w, sign_in):
    target = _target(w)
    response = sign_in(w.owner).post(
        f"/target/{target.id}/aksi/submit", {"version": "1", "view": "card"}, htmx=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith(f'<article class="card target" id="target-{target.id}"')
    assert "Dalam pembahasan" in html and "Diajukan ke atasan." in html
    assert _oob_badge(response) == 0


def test_an_htmx_action_from_the_target_page_returns_its_main_part(w, sign_in):
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    response = sign_in(w.boss).post(
        f"/target/{target.id}/aksi/request_revision",
        {"version": "2", "view": "detail", "reason": "Satuan kurang tepat"},
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="target-main">')
    assert "Satuan kurang tepat" in html
    assert _oob_badge(response) == 0  # the draft waits for its owner now


def test_an_action_without_htmx_redirects_to_a_full_page(w, sign_in):
    target = _target(w)
    client = sign_in(w.owner)
    response = client.post(f"/target/{target.id}/aksi/submit", {"version": "1"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<html" in page and "Diajukan ke atasan" in page


def test_a_comment_is_appended_as_a_fragment(w, sign_in):
    target = _target(w)
    client = sign_in(w.owner)
    response = client.post(
        f"/target/{target.id}/komentar",
        {"body": "Mohon masukan", "form_token": secrets.token_hex(16)},
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="discussion"' in html and "Mohon masukan" in html


def test_comments_and_transitions_share_one_timeline(w, sign_in):
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    client = sign_in(w.boss)
    client.post(
        f"/target/{target.id}/komentar",
        {"body": "Angka Desember terlalu tinggi", "form_token": secrets.token_hex(16)},
        htmx=True,
    )
    html = client.get(f"/target/{target.id}").get_data(as_text=True)
    timeline = html[html.index('<ol class="timeline">') :]
    assert timeline.index("Diajukan ke atasan") < timeline.index("Angka Desember")
    assert w.owner.name in timeline and w.boss.name in timeline


def test_a_colleague_cannot_comment(w, sign_in):
    target = _target(w)
    response = sign_in(w.colleague).post(
        f"/target/{target.id}/komentar",
        {"body": "Halo", "form_token": secrets.token_hex(16)},
        htmx=True,
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TargetComment)) == 0


def test_a_bad_comment_is_refused_inline(w, sign_in):
    target = _target(w)
    client = sign_in(w.owner)
    cases = [
        ({"body": "", "form_token": secrets.token_hex(16)}, str(COMMENT_REQUIRED)),
        (
            {"body": "x" * (COMMENT_MAX + 1), "form_token": secrets.token_hex(16)},
            str(COMMENT_TOO_LONG) % {"max": COMMENT_MAX},
        ),
        ({"body": "Halo", "form_token": "pendek"}, str(COMMENT_FORM_INCOMPLETE)),
        ({"body": "Halo\x00", "form_token": secrets.token_hex(16)}, str(CONTROL_CHARACTERS)),
    ]
    assert cases[1][1] == "Komentar paling banyak 4000 karakter."
    for form, message in cases:
        response = client.post(f"/target/{target.id}/komentar", form, htmx=True)
        assert response.status_code == 422, message
        html = response.get_data(as_text=True)
        assert f'<p class="field-error" id="comment-error">{message}</p>' in html
    assert db.session.scalar(select(func.count()).select_from(TargetComment)) == 0


# -- creating a target: the good path and every bad input -----------------------------------


def test_creating_a_target_sets_the_evaluator_to_the_atasan_with_an_assignment(w, sign_in):
    client = sign_in(w.owner)
    response = client.post(f"{_plan_url(w)}/target/baru", _form(cost="Rp 170.395.000"))
    assert response.status_code == 303
    target = db.session.scalar(select(Target))
    assert (target.evaluator_id, target.state, target.version) == (w.boss.id, "drafted", 1)
    assert target.cost == 170_395_000
    assert target.monthly_quantities == [1] * 12
    [assignment] = db.session.scalars(select(EvaluatorAssignment)).all()
    assert (assignment.target_id, assignment.evaluator_id, assignment.assigned_by_id) == (
        target.id,
        w.boss.id,
        w.owner.id,
    )

    w.owner.atasan_id = w.head.id  # the supervisor changes later: existing targets keep theirs
    db.session.commit()
    client.post(f"{_plan_url(w)}/target/baru", _form(title="Target kedua"))
    second = db.session.scalar(select(Target).where(Target.title == "Target kedua"))
    assert second.evaluator_id == w.head.id
    assert db.session.get(Target, target.id).evaluator_id == w.boss.id


# Each bad input: the field, the value posted, the message that must stand next to it.
BAD_FIELDS = [
    ("quantity", "dua belas", "Kuantitas harus berupa bilangan bulat, misalnya 12."),
    ("quantity", "-5", "Kuantitas tidak boleh negatif."),
    ("quantity", "0", "Kuantitas tidak boleh nol."),
    ("quantity", str(10**12), "Kuantitas terlalu besar (maksimal 1.000.000)."),
    ("quantity", "", "Kuantitas wajib diisi."),
    ("quantity", "1,5", "Kuantitas harus berupa bilangan bulat, misalnya 12."),
    ("title", "", TITLE_REQUIRED),
    ("title", "   \n ", TITLE_REQUIRED),
    ("title", "Laporan\x00", CONTROL_CHARACTERS),
    ("indicator", "Tepat\x1bwaktu", CONTROL_CHARACTERS),
    ("title", "a" * 5000, "Judul target paling banyak 500 karakter (terisi 5000)."),
    ("month_3", "-1", "Target bulan ke-3 tidak boleh negatif."),
    ("month_12", "banyak", "Target bulan ke-12 harus berupa bilangan bulat, misalnya 12."),
    ("month_5", str(10**12), "Target bulan ke-5 terlalu besar (maksimal 1.000.000)."),
    ("quality_target", "101", "Target kualitas terlalu besar (maksimal 100)."),
    ("quality_target", "0", "Target kualitas tidak boleh nol."),
    ("time_months", "13", "Target waktu terlalu besar (maksimal 12)."),
    ("cost", "-100", "Biaya tidak boleh negatif."),
    ("cost", "0", "Biaya tidak boleh nol."),
    ("cost", "seratus ribu", "Biaya harus berupa bilangan bulat, misalnya 12."),
    ("quantity_unit", "", UNIT_REQUIRED),
    ("indicator", "i" * 501, "Indikator paling banyak 500 karakter."),
]


def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(w, sign_in, subtests):
    client = sign_in(w.owner)
    for field, value, message in BAD_FIELDS:
        with subtests.test(field=field, value=value[:20]):
            response = client.post(f"{_plan_url(w)}/target/baru", _form(**{field: value}))
            html = response.get_data(as_text=True)
            assert response.status_code == 422
            assert _field_error(html, field) == str(message)
            assert "Target belum bisa disimpan." in html
            assert _counts() == (0, 0)


def test_an_unknown_kind_is_refused(w, sign_in):
    response = sign_in(w.owner).post(f"{_plan_url(w)}/target/baru", _form(kind="rahasia"))
    assert response.status_code == 422
    assert str(KIND_INVALID) in response.get_data(as_text=True)
    assert _counts() == (0, 0)


def test_the_form_comes_back_with_what_was_typed(w, sign_in):
    response = sign_in(w.owner).post(
        f"{_plan_url(w)}/target/baru", _form(quantity="dua belas", title="Judul yang saya tulis")
    )
    html = response.get_data(as_text=True)
    assert 'value="dua belas"' in html and 'value="Judul yang saya tulis"' in html


def test_monthly_targets_that_do_not_add_up_are_refused(w, sign_in, subtests):
    client = sign_in(w.owner)
    cases = [
        ({"month_12": "2"}, 13),
        ({"month_1": "0"}, 11),
        ({f"month_{i}": "0" for i in range(1, 13)}, 0),
    ]
    for months, total in cases:
        with subtests.test(total=total):
            response = client.post(f"{_plan_url(w)}/target/baru", _form(**months))
            html = response.get_data(as_text=True)
            assert response.status_code == 422
            mismatch = str(MONTHLY_MISMATCH) % {"total": total, "quantity": 12}
            assert f'<p class="field-error" role="alert">{mismatch}</p>' in html
            assert "monthly-sum--off" in html  # the running sum says so too
            assert _counts() == (0, 0)


def test_a_title_of_exactly_500_characters_is_accepted(w, sign_in):
    response = sign_in(w.owner).post(f"{_plan_url(w)}/target/baru", _form(title="a" * 500))
    assert response.status_code == 303
    assert _counts() == (1, 12)


def test_a_cascade_link_outside_the_supervisors_targets_is_refused(w, other, sign_in, subtests):
    w.last.status = PeriodStatus.OPEN
    links = {
        "not the supervisor": _target(w, owner=w.colleague).id,
        "the supervisor's supervisor": _target(w, owner=w.head).id,
        "another instansi": _target(w, owner=other.boss, period=other.period).id,
        "the supervisor, another period": _target(w, owner=w.boss, period=w.last).id,
        "not a target id": "abc",
        "no such target": "999999",
    }
    client = sign_in(w.owner)
    before = _counts()
    for case, parent_id in links.items():
        with subtests.test(case=case):
            response = client.post(f"{_plan_url(w)}/target/baru", _form(parent_id=str(parent_id)))
            assert response.status_code == 422
            assert _field_error(response.get_data(as_text=True), "parent_id") == str(PARENT_INVALID)
            assert _counts() == before


def test_a_cascade_link_to_the_supervisors_target_is_accepted(w, sign_in):
    parent = _target(w, owner=w.boss)
    response = sign_in(w.owner).post(f"{_plan_url(w)}/target/baru", _form(parent_id=str(parent.id)))
    assert response.status_code == 303
    assert db.session.scalar(select(Target).where(Target.owner_id == w.owner.id)).parent_id == (
        parent.id
    )


def test_no_target_in_a_closed_period(w, sign_in):
    w.period.status = PeriodStatus.CLOSED
    db.session.commit()
    client = sign_in(w.owner)
    assert client.get(f"{_plan_url(w)}/target/baru").status_code == 403
    response = client.post(f"{_plan_url(w)}/target/baru", _form())
    assert response.status_code == 403
    assert "Periode penilaian Tahun 2026 sudah ditutup" in response.get_data(as_text=True)
    assert _counts() == (0, 0)
    copy = client.post(f"/skp/{w.period.id}/salin")
    assert copy.status_code == 403 and "sudah ditutup" in copy.get_data(as_text=True)


def test_no_target_in_someone_elses_plan(w, other, sign_in):
    for person in (w.colleague, w.boss, w.admin):
        response = sign_in(person).post(f"{_plan_url(w)}/target/baru", _form())
        assert response.status_code == 403
    response = sign_in(other.staff).post(f"{_plan_url(w)}/target/baru", _form())
    assert response.status_code == 404
    # my own period, an employee of another instansi in the URL
    url = f"/skp/{w.period.id}/pegawai/{other.staff.id}/target/baru"
    assert sign_in(w.owner).post(url, _form()).status_code == 404
    assert _counts() == (0, 0)


# -- editing ---------------------------------------------------------------------------------


def test_the_owner_edits_a_draft(w, sign_in):
    target = _target(w)
    old_title = target.title
    client = sign_in(w.owner)
    response = client.post(
        f"/target/{target.id}/ubah",
        _form(
            title="Judul baru",
            quantity="24",
            **{f"month_{i}": "2" for i in range(1, 13)},
            version="1",
        ),
    )
    assert response.status_code == 303
    db.session.expire_all()
    target = db.session.get(Target, target.id)
    assert (target.title, target.quantity, target.version) == ("Judul baru", 24, 2)
    assert target.monthly_quantities == [2] * 12
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "target.update"))
    assert event.summary["changes"]["title"] == [old_title, "Judul baru"]
    assert event.summary["changes"]["monthly"] == [[1] * 12, [2] * 12]


@pytest.mark.parametrize("state", ["discussed", "approved"])
def test_a_submitted_target_cannot_be_edited(w, sign_in, state):
    target = _target(w, state=state)
    client = sign_in(w.owner)
    page = client.get(f"/target/{target.id}/ubah")
    assert page.status_code == 403
    assert "hanya draf yang dapat diubah" in page.get_data(as_text=True)
    response = client.post(f"/target/{target.id}/ubah", _form(title="Diam-diam", version="1"))
    assert response.status_code == 403
    assert "hanya draf yang dapat diubah" in response.get_data(as_text=True)
    # Someone else is not told why: they may not edit in any state.
    other_page = sign_in(w.colleague).get(f"/target/{target.id}/ubah")
    assert "hanya draf" not in other_page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).title != "Diam-diam"


def test_an_edit_with_a_stale_version_is_a_conflict(w, sign_in):
    target = _target(w)
    client = sign_in(w.owner)
    assert (
        client.post(
            f"/target/{target.id}/ubah", _form(title="Dari tab pertama", version="1")
        ).status_code
        == 303
    )
    response = client.post(f"/target/{target.id}/ubah", _form(title="Dari tab kedua", version="1"))
    assert response.status_code == 409
    assert "baru saja diubah di tempat lain" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).title == "Dari tab pertama"


def test_an_edit_with_bad_input_changes_nothing(w, sign_in):
    target = _target(w)
    response = sign_in(w.owner).post(f"/target/{target.id}/ubah", _form(quantity="-3", version="1"))
    assert response.status_code == 422
    assert "tidak boleh negatif" in _field_error(response.get_data(as_text=True), "quantity")
    db.session.expire_all()
    stored = db.session.get(Target, target.id)
    assert (stored.quantity, stored.version, stored.monthly_quantities) == (12, 1, [1] * 12)


def test_a_colleague_cannot_edit_or_delete(w, other, sign_in):
    target = _target(w)
    client = sign_in(w.colleague)
    assert client.post(f"/target/{target.id}/ubah", _form(version="1")).status_code == 403
    assert (
        client.post(f"/target/{target.id}/hapus", {"version": "1", "confirmed": "1"}).status_code
        == 403
    )
    assert (
        sign_in(other.staff)
        .post(f"/target/{target.id}/hapus", {"version": "1", "confirmed": "1"})
        .status_code
        == 404
    )
    assert _counts() == (1, 12)


def test_the_owner_deletes_a_draft_never_submitted(w, sign_in):
    target = _target(w)
    response = sign_in(w.owner).post(
        f"/target/{target.id}/hapus", {"version": "1", "confirmed": "1"}
    )
    assert response.status_code == 303
    assert _counts() == (0, 0)


def test_deleting_a_draft_asks_first(w, sign_in):
    target = _target(w, title="Menyusun laporan kas")
    owner = sign_in(w.owner)
    editor = owner.get(f"/target/{target.id}/ubah").get_data(as_text=True)
    assert f'href="/target/{target.id}/hapus"' in editor  # a link to the question, no form
    for response in (
        owner.get(f"/target/{target.id}/hapus"),
        owner.post(f"/target/{target.id}/hapus", {"version": "1"}),
    ):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Draf target “Menyusun laporan kas” akan dihapus." in page
        assert 'name="confirmed" value="1"' in page
    assert _counts() == (1, 12)


def test_a_draft_with_history_cannot_be_deleted(w, sign_in):
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    engine.fire(target, "request_revision", w.boss, reason="Perbaiki")
    db.session.commit()
    response = sign_in(w.owner).post(
        f"/target/{target.id}/hapus", {"version": "3", "confirmed": "1"}
    )
    assert response.status_code == 422
    assert "riwayatnya harus tetap ada" in response.get_data(as_text=True)
    assert _counts() == (1, 12)


# -- firing triggers over HTTP ----------------------------------------------------------------


def _fire(client, target, trigger, version, **extra):
    return client.post(
        f"/target/{target.id}/aksi/{trigger}",
        {"version": str(version), "view": "card", **extra},
        htmx=True,
    )


def test_a_trigger_the_state_does_not_allow_is_409(w, sign_in):
    target = _target(w)
    response = _fire(sign_in(w.boss), target, "approve", 1)
    assert response.status_code == 409
    assert "tidak tersedia untuk target berstatus “Draf”" in response.get_data(as_text=True)
    assert _fire(sign_in(w.owner), target, "evaluate", 1).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(TargetHistory)) == 0


def test_a_trigger_the_role_does_not_allow_is_refused(w, other, sign_in):
    target = _target(w, state="discussed")
    people = {
        "owner": w.owner,
        "head": w.head,
        "colleague": w.colleague,
        "admin": w.admin,
        "outsider": other.staff,
    }
    for person, status in (
        ("owner", 403),
        ("head", 403),
        ("colleague", 403),
        ("admin", 403),
        ("outsider", 404),
    ):
        response = _fire(sign_in(people[person]), target, "approve", 1)
        assert response.status_code == status, person
        if status == 403:
            assert "tidak berwenang" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "discussed"
    assert db.session.scalar(select(func.count()).select_from(TargetHistory)) == 0


def test_a_missing_reason_is_422_with_the_message(w, sign_in):
    target = _target(w, state="discussed")
    response = _fire(sign_in(w.boss), target, "request_revision", 1, reason="  ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert str(engine.REASON_REQUIRED) in html
    assert f'id="target-{target.id}"' in html and "<html" not in html
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "discussed"


def test_a_missing_version_is_refused(w, sign_in):
    target = _target(w)
    response = sign_in(w.owner).post(
        f"/target/{target.id}/aksi/submit", {"view": "card"}, htmx=True
    )
    assert response.status_code == 422
    assert "Formulir tidak lengkap (versi)" in response.get_data(as_text=True)


def test_an_unknown_trigger_is_409_not_500(w, sign_in):
    target = _target(w)
    assert _fire(sign_in(w.admin), target, "hapus_semua", 1).status_code == 409


def test_a_stale_version_is_409(w, sign_in):
    target = _target(w, state="discussed")
    response = _fire(sign_in(w.boss), target, "approve", 5)
    assert response.status_code == 409
    assert "baru saja diubah orang lain" in response.get_data(as_text=True)


# -- copy last period -------------------------------------------------------------------------


def test_copy_last_period_creates_drafts_once(w, sign_in):
    w.last.status = PeriodStatus.OPEN
    for title, quantity in (("Menyusun analisis jabatan", 10), ("Evaluasi kelembagaan", 4)):
        source = _target(w, period=w.last, title=title, quantity=quantity)
        source.state = "followed_up"
    w.last.status = PeriodStatus.CLOSED
    db.session.commit()
    client = sign_in(w.owner)

    response = client.post(f"/skp/{w.period.id}/salin")
    assert response.status_code == 303
    copies = db.session.scalars(
        select(Target).where(Target.period_id == w.period.id).order_by(Target.position)
    ).all()
    assert [(t.title, t.quantity, t.state, t.version) for t in copies] == [
        ("Menyusun analisis jabatan", 10, "drafted", 1),
        ("Evaluasi kelembagaan", 4, "drafted", 1),
    ]
    assert all(sum(t.monthly_quantities) == t.quantity for t in copies)
    assert all(t.copied_from_id and t.evaluator_id == w.boss.id for t in copies)
    before = _counts()

    again = client.post(f"/skp/{w.period.id}/salin")
    assert again.status_code == 422
    assert "sudah pernah disalin" in again.get_data(as_text=True)
    assert _counts() == before


def test_copy_without_a_previous_plan_is_refused(w, sign_in):
    response = sign_in(w.owner).post(f"/skp/{w.period.id}/salin")
    assert response.status_code == 422
    assert "tidak memiliki target pada periode Tahun 2025" in response.get_data(as_text=True)
    assert _counts() == (0, 0)


# -- bulk approve --------------------------------------------------------------------------


def test_bulk_approve_reports_each_failure_and_approves_the_rest(w, sign_in):
    targets = [_target(w, title=f"Target bulk {i}") for i in range(3)]
    for target in targets:
        engine.fire(target, "submit", w.owner)
    db.session.commit()
    stale = targets[1]
    chosen = [f"{t.id}:{t.version}" for t in targets]
    engine.fire(stale, "request_revision", w.boss, reason="Ubah dulu")
    engine.fire(stale, "submit", w.owner)  # discussed again, but version moved on
    db.session.commit()

    client = sign_in(w.boss)
    response = client.raw.post(
        f"{_plan_url(w)}/setujui",
        data={"target": chosen, "csrf_token": client.csrf_token()},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 target disetujui." in page
    assert "“Target bulk 1”: Target ini baru saja diubah orang lain" in page
    db.session.expire_all()
    states = {t.title: db.session.get(Target, t.id).state for t in targets}
    assert states == {
        "Target bulk 0": "approved",
        "Target bulk 1": "discussed",
        "Target bulk 2": "approved",
    }
    approvals = db.session.scalars(
        select(TargetHistory).where(TargetHistory.trigger == "approve")
    ).all()
    assert sorted(h.target_id for h in approvals) == sorted([targets[0].id, targets[2].id])
    assert all(h.actor_id == w.boss.id for h in approvals)


def test_bulk_approve_by_someone_else_approves_nothing(w, sign_in):
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    client = sign_in(w.head)
    response = client.raw.post(
        f"{_plan_url(w)}/setujui",
        data={"target": [f"{target.id}:2"], "csrf_token": client.csrf_token()},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tidak berwenang" in page
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "discussed"


def test_bulk_submit_submits_the_owners_drafts(w, sign_in):
    targets = [_target(w) for _ in range(2)]
    client = sign_in(w.owner)
    response = client.raw.post(
        f"{_plan_url(w)}/ajukan",
        data={"target": [f"{t.id}:1" for t in targets], "csrf_token": client.csrf_token()},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert {db.session.get(Target, t.id).state for t in targets} == {"discussed"}


# -- escaping ---------------------------------------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_in_titles_and_comments_is_escaped(w, sign_in):
    client = sign_in(w.owner)
    assert client.post(f"{_plan_url(w)}/target/baru", _form(title=SCRIPT)).status_code == 303
    target = db.session.scalar(select(Target))
    assert target.title == SCRIPT
    client.post(
        f"/target/{target.id}/komentar",
        {"body": SCRIPT, "form_token": secrets.token_hex(16)},
        htmx=True,
    )
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    boss = sign_in(w.boss)
    pages = [
        client.get(_plan_url(w)),
        client.get(f"/target/{target.id}"),
        boss.get("/perlu-tindakan"),
        boss.get(_plan_url(w)),
        boss.get(f"/skp/{w.period.id}/kaskade"),
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


# -- the monthly breakdown helpers -----------------------------------------------------------


@given(quantity=st.integers(1, QUANTITY_MAX), months=st.integers(1, 24))
def test_spread_evenly_always_sums_to_the_quantity(quantity, months):
    spread = spread_evenly(quantity, months)
    assert len(spread) == months
    assert sum(spread) == quantity
    assert min(spread) >= 0 and max(spread) - min(spread) <= 1


def test_spread_evenly_examples():
    assert spread_evenly(12, 12) == [1] * 12
    assert spread_evenly(10, 4) == [3, 2, 3, 2]
    assert spread_evenly(2, 12) == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]


def test_the_editor_spreads_evenly_and_sums_live(w, sign_in):
    client = sign_in(w.owner)
    spread = client.get(f"/skp/{w.period.id}/rincian-bulanan?quantity=30&spread=1", htmx=True)
    html = spread.get_data(as_text=True)
    values = [int(v) for v in re.findall(r'name="month_\d+" type="text" value="(\d+)"', html)]
    assert len(values) == 12 and sum(values) == 30 and "<html" not in html
    query = "&".join(f"month_{i}=2" for i in range(1, 13))
    running = client.get(f"/skp/{w.period.id}/rincian-bulanan?quantity=30&{query}", htmx=True)
    html = running.get_data(as_text=True)
    assert "<strong>24</strong> / 30" in html and "kurang" in html


def test_the_editor_has_exactly_the_months_of_its_period(w, sign_in):
    """A half-year period: six monthly inputs, named from 1; a month the period does not
    have is not read, and the time target is bounded by the six months."""
    w.period.end_date = date(2026, 6, 30)
    db.session.commit()
    client = sign_in(w.owner)
    url = f"{_plan_url(w)}/target/baru"
    html = client.get(url).get_data(as_text=True)
    assert re.findall(r'name="(month_\d+)"', html) == [f"month_{i}" for i in range(1, 7)]

    months = {f"month_{i}": "1" for i in range(1, 7)}
    stray = {"month_7": "999", "month_12": "banyak"}
    too_long = client.post(url, {**_form(quantity="6", time_months="7"), **months, **stray})
    assert too_long.status_code == 422
    message = "Target waktu terlalu besar (maksimal 6)."
    assert _field_error(too_long.get_data(as_text=True), "time_months") == message

    fine = {**_form(quantity="6", time_months="6"), **months, **stray}
    assert client.post(url, fine).status_code == 303
    target = db.session.scalar(select(Target))
    assert target.monthly_quantities == [1] * 6 and target.time_months == 6


@pytest.mark.parametrize(
    "chosen",
    ["99999999999999999999:2", "1:9223372036854775808", "²:1", "1:1e30"],
)
def test_bulk_approve_with_ids_out_of_range_is_told_and_changes_nothing(w, sign_in, chosen):
    """Ids and versions beyond the database's integer range name no target the page could
    have shown: the form says nothing was chosen (no 500 from the database)."""
    target = _target(w)
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    client = sign_in(w.boss)
    response = client.raw.post(
        f"{_plan_url(w)}/setujui",
        data={"target": [chosen], "csrf_token": client.csrf_token()},
    )
    assert response.status_code == 422
    assert str(NONE_CHOSEN) in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "discussed"
