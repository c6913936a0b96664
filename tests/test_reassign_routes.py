"""The reassignment screens over HTTP: the list of supervisors, the handover with its
preview and confirmation, the supervisor change, one target, the interim note on the
target page; who may open them (other instansi 404, non-admins 403); and that after a
handover the new evaluator can approve, verify and evaluate while the old one gets 403."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.inbox.queries import count as inbox_count
from portal.models import Employee, EntryStatus, Evaluation, Target, WorkEntry
from portal.ranks import JenisJabatan
from portal.reassign import handovers
from portal.reassign.notes import NOTE_REQUIRED
from tests.evaluation_helpers import (
    STEADY,
    build_team,
    evaluation_of,
    finish,
    form_b,
    reported_targets,
    text_of,
)
from tests.reporting_helpers import entry, sign_in
from tests.test_reassign import build_world, state_of_the_world

TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


@pytest.fixture
def login_as(make_client, no_inline_code):
    """Signed in through the session; every page is checked for inline code (CSP)."""
    return lambda employee: sign_in(make_client, employee)


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


def handover_url(w) -> str:
    return f"/admin/pengalihan/pegawai/{w.team.boss.id}"


def preview_page(client, w, to, acting="", set_atasan=True):
    params = {"step": "preview", "to": str(to.id), "acting": acting}
    if set_atasan:
        params["set_atasan"] = "1"
    return client.get(handover_url(w), query_string=params)


def confirm(client, w, to, token, acting="", note=""):
    return client.post(
        handover_url(w),
        {
            "step": "confirm",
            "to": str(to.id),
            "acting": acting,
            "set_atasan": "1",
            "token": token,
            "note": note,
        },
    )


def hand_over_over_http(client, w, to, acting="", note=""):
    page = preview_page(client, w, to, acting)
    assert page.status_code == 200, text_of(page)[:400]
    [token] = TOKEN.findall(page.get_data(as_text=True))
    response = confirm(client, w, to, token, acting, note)
    assert response.status_code == 303, text_of(response)[:400]
    return response


# -- the pages


def test_the_list_shows_each_supervisors_pending_work(w, login_as):
    admin = login_as(w.team.admin)
    page = admin.get("/admin/pengalihan")
    assert page.status_code == 200
    text = text_of(page)
    assert "Pengalihan pekerjaan" in text
    row = re.search(rf"{re.escape(w.team.boss.name)}.*?Alihkan pekerjaan", text).group(0)
    # 2 subordinates, 4 targets in flight, 1 to approve, 1 to evaluate, 2 entries, 1 draft.
    assert re.findall(r"\b\d+\b", row.split(w.team.boss.jabatan, 1)[1])[:6] == [
        "2",
        "4",
        "1",
        "1",
        "2",
        "1",
    ]
    found = admin.get("/admin/pengalihan?q=" + w.team.other_boss.name[:6], htmx=True)
    assert w.team.other_boss.name in found.get_data(as_text=True)
    assert "<html" not in found.get_data(as_text=True)


def test_the_handover_preview_lists_targets_inboxes_and_queues(w, login_as):
    admin = login_as(w.team.admin)
    first = admin.get(handover_url(w))
    assert first.status_code == 200
    assert 'name="set_atasan" value="1" checked' in first.get_data(as_text=True)
    page = preview_page(admin, w, w.successor, "plt")
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert page.status_code == 200
    for target in w.in_flight:
        assert target.title in text
    assert w.evaluated.title not in text
    assert "4 target berpindah" in text
    assert f"Plt. {w.successor.display_name}" in text
    assert "Antrean verifikasi yang berpindah" in text
    assert "2 laporan harian" in text
    assert "1 target pada periode yang sudah ditutup tidak dipindahkan" in text
    assert "Konfirmasi pengalihan" in text and TOKEN.search(html)


def test_the_person_picker_finds_active_colleagues_only(w, login_as, factory):
    gone = factory.employee(w.team.owner.unit, name="Sutarmi Pergi", active=False)
    here = factory.employee(w.team.owner.unit, name="Sutarmi Hadir")
    db.session.commit()
    admin = login_as(w.team.admin)
    response = admin.get(
        f"/admin/pengalihan/cari?field=to&exclude={w.team.boss.id}&q=Sutarmi", htmx=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{here.id}"' in html and f'value="{gone.id}"' not in html
    by_nip = admin.get(f"/admin/pengalihan/cari?field=to&q={here.nip[:10]}", htmx=True)
    assert f'value="{here.id}"' in by_nip.get_data(as_text=True)
    stranger = admin.get(f"/admin/pengalihan/cari?q={w.team.stranger.nip}", htmx=True)
    assert f'value="{w.team.stranger.id}"' not in stranger.get_data(as_text=True)
    # Without htmx: the page itself searches.
    page = admin.get(handover_url(w), query_string={"step": "preview", "q": "Sutarmi", "cari": "1"})
    assert page.status_code == 200
    assert f'value="{here.id}"' in page.get_data(as_text=True)


def test_the_person_picker_leaves_out_what_is_no_id(w, login_as, factory):
    """``exclude`` and ``selected`` that name no id (a superscript digit, a number past
    the id range) are left out, never a server error."""
    here = factory.employee(w.team.owner.unit, name="Sutarmi Hadir")
    db.session.commit()
    admin = login_as(w.team.admin)
    response = admin.get(
        "/admin/pengalihan/cari",
        query_string={
            "field": "kepala",
            "exclude": f"²,{10**12},{w.team.boss.id}",
            "selected": "9" * 30,
            "q": "Sutarmi",
        },
        htmx=True,
    )
    assert response.status_code == 200
    assert f'value="{here.id}"' in response.get_data(as_text=True)
    excluded = admin.get(
        "/admin/pengalihan/cari",
        query_string={"exclude": f"x,{here.id}", "q": "Sutarmi"},
        htmx=True,
    )
    assert f'value="{here.id}"' not in excluded.get_data(as_text=True)


def test_a_handover_over_http_and_the_target_page_after_it(w, login_as):
    admin = login_as(w.team.admin)
    hand_over_over_http(admin, w, w.successor, "plt", note="Sudah dibahas lisan dengan pegawai.")
    page = admin.get(f"/target/{w.discussed.id}")
    text = text_of(page)
    assert f"Plt. {w.successor.display_name}" in text
    assert f"menggantikan {w.team.boss.display_name}" in text
    assert "Sudah dibahas lisan dengan pegawai." in text
    assert f"{w.team.admin.display_name} (admin kepegawaian)" in text
    assert "Pejabat penilai dialihkan kepada" in text  # the history
    owner = login_as(w.team.owner)
    assert f"Plt. {w.successor.display_name}" in text_of(owner.get(f"/target/{w.discussed.id}"))
    assert "Simpan catatan" not in text_of(owner.get(f"/target/{w.discussed.id}"))


@pytest.mark.parametrize(
    ("to", "status", "message"),
    [
        ("stranger", 422, str(handovers.RECIPIENT.elsewhere)),
        ("boss", 422, "tidak dapat dialihkan kepada pegawai yang pergi itu sendiri"),
        ("nobody", 422, str(handovers.RECIPIENT.missing)),
        ("stale", 409, "berubah sejak pratinjau dibuat"),
    ],
)
def test_a_bad_confirmation_changes_nothing(w, login_as, to, status, message):
    admin = login_as(w.team.admin)
    page = preview_page(admin, w, w.successor)
    [token] = TOKEN.findall(page.get_data(as_text=True))
    person = {
        "stranger": w.team.stranger,
        "boss": w.team.boss,
        "nobody": Employee(id=999999),
        "stale": w.successor,
    }[to]
    if to == "stale":
        token = "0" * 32
    before = state_of_the_world()
    response = confirm(admin, w, person, token)
    assert response.status_code == status
    assert message in text_of(response)
    assert state_of_the_world() == before
    if to == "stale":  # the fresh preview, with its own token, to confirm again
        [fresh] = TOKEN.findall(response.get_data(as_text=True))
        assert fresh != token
        assert confirm(admin, w, person, fresh).status_code == 303


def test_other_instansi_gets_404_and_non_admins_403(w, login_as, factory):
    outsider = factory.employee(w.team.stranger.unit, is_admin=True)
    db.session.commit()
    urls = [
        handover_url(w),
        f"/admin/pengalihan/pegawai/{w.team.owner.id}/atasan",
        f"/admin/pengalihan/target/{w.discussed.id}",
    ]
    other, boss = login_as(outsider), login_as(w.team.boss)
    before = state_of_the_world()
    for url in urls:
        assert other.get(url).status_code == 404
        assert other.post(url, {"to": str(w.successor.id), "version": "1"}).status_code == 404
        assert boss.get(url).status_code == 403
        assert boss.post(url, {"to": str(w.successor.id), "version": "1"}).status_code == 403
    assert boss.get("/admin/pengalihan").status_code == 403
    note = f"/target/{w.discussed.id}/catatan-serah-terima"
    assert other.post(note, {"note": "x"}).status_code == 404
    assert state_of_the_world() == before


def test_the_supervisor_form_and_the_profile_links(w, login_as):
    admin = login_as(w.team.admin)
    profile = admin.get(f"/pegawai/{w.team.owner.id}").get_data(as_text=True)
    assert f"/admin/pengalihan/pegawai/{w.team.owner.id}/atasan" in profile
    url = f"/admin/pengalihan/pegawai/{w.team.owner.id}/atasan"
    page = admin.get(
        url, query_string={"step": "preview", "atasan": str(w.team.other_boss.id), "move_work": "1"}
    )
    assert page.status_code == 200
    [token] = TOKEN.findall(page.get_data(as_text=True))
    cycle = admin.get(url, query_string={"step": "preview", "atasan": str(w.grandchild.id)})
    assert cycle.status_code == 422 and "melingkar" in text_of(cycle)
    response = admin.post(
        url,
        {"step": "confirm", "atasan": str(w.team.other_boss.id), "move_work": "1", "token": token},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Employee, w.team.owner.id).atasan_id == w.team.other_boss.id
    assert db.session.get(Target, w.discussed.id).evaluator_id == w.team.other_boss.id
    # The plain employee form still sets the atasan, without moving any target.
    from tests.factories import employee_form

    owner = db.session.get(Employee, w.team.owner.id)
    edited = admin.post(
        f"/admin/pegawai/{owner.id}/ubah", employee_form(owner, atasan_nip=w.team.boss.nip)
    )
    assert edited.status_code == 303
    db.session.expire_all()
    assert db.session.get(Employee, w.team.owner.id).atasan_id == w.team.boss.id
    assert db.session.get(Target, w.discussed.id).evaluator_id == w.team.other_boss.id


def test_one_target_from_its_page(w, login_as):
    admin = login_as(w.team.admin)
    target_page = text_of(admin.get(f"/target/{w.discussed.id}"))
    assert "Alihkan pejabat penilai target ini" in target_page
    url = f"/admin/pengalihan/target/{w.discussed.id}"
    assert admin.get(url).status_code == 200
    bad = admin.post(url, {"to": str(w.team.owner.id), "version": str(w.discussed.version)})
    assert bad.status_code == 422 and "targetnya sendiri" in text_of(bad)
    stale = admin.post(url, {"to": str(w.successor.id), "version": "99"})
    assert stale.status_code == 409 and "baru saja diubah" in text_of(stale)
    done = admin.post(
        url,
        {
            "to": str(w.successor.id),
            "acting": "plh",
            "note": "Mohon dibahas ulang angka Desember.",
            "version": str(w.discussed.version),
        },
    )
    assert done.status_code == 303
    page = text_of(admin.get(f"/target/{w.discussed.id}"))
    assert f"Plh. {w.successor.display_name}" in page
    assert "Mohon dibahas ulang angka Desember." in page


def test_the_evaluator_writes_a_note_on_the_target_page(w, login_as):
    boss = login_as(w.team.boss)
    url = f"/target/{w.discussed.id}/catatan-serah-terima"
    assert "Simpan catatan" in text_of(boss.get(f"/target/{w.discussed.id}"))
    empty = boss.post(url, {"note": " "})
    assert empty.status_code == 303
    assert str(NOTE_REQUIRED) in text_of(boss.get(empty.headers["Location"]))
    saved = boss.post(url, {"note": "Angka Juli perlu dicek."})
    assert saved.status_code == 303
    page = text_of(boss.get(f"/target/{w.discussed.id}"))
    assert "Angka Juli perlu dicek." in page
    assert f"{w.team.boss.display_name} (pejabat penilai)" in page
    assert "catatan serah terima untuk pejabat penilai berikutnya" in page.lower()
    assert login_as(w.team.owner).post(url, {"note": "Saya"}).status_code == 403


# -- after a handover: the new evaluator acts, the old one cannot


def test_the_new_evaluator_can_approve_and_verify_and_the_old_one_gets_403(w, login_as):
    [pending, _, _] = db.session.scalars(select(WorkEntry).order_by(WorkEntry.id)).all()
    old, new = login_as(w.team.boss), login_as(w.successor)
    assert inbox_count(w.successor) == 0
    hand_over_over_http(login_as(w.team.admin), w, w.successor)
    assert inbox_count(w.team.boss) == 0
    assert inbox_count(w.successor) == 4
    approve = f"/target/{w.discussed.id}/aksi/approve"
    version = str(db.session.get(Target, w.discussed.id).version)
    assert old.post(approve, {"version": version}).status_code == 403
    assert w.discussed.title not in text_of(old.get("/perlu-tindakan"))
    assert w.discussed.title in text_of(new.get("/perlu-tindakan"))
    assert new.post(approve, {"version": version}).status_code == 303
    verify = f"/verifikasi/{pending.id}"
    form = {"decision": "accept", "version": str(pending.version)}
    assert old.post(verify, form).status_code == 403
    assert new.post(verify, form).status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, w.discussed.id).state == "approved"
    entry_row = db.session.get(WorkEntry, pending.id)
    assert (entry_row.status, entry_row.verified_by_id) == (EntryStatus.ACCEPTED, w.successor.id)


def test_the_new_evaluator_can_evaluate_and_the_old_one_gets_403(factory, monkeypatch, login_as):
    team = build_team(factory, monkeypatch)
    reported_targets(team, [STEADY])
    successor = factory.employee(
        team.owner.unit, atasan=team.head, jenis_jabatan=JenisJabatan.ADMINISTRASI
    )
    db.session.commit()
    old, new = login_as(team.boss), login_as(successor)
    assert old.post(
        f"/evaluasi/{team.period.id}/pegawai/{team.owner.id}", {**form_b(team), "action": "save"}
    ).status_code in (200, 303)
    draft = evaluation_of(team)
    assert draft is not None and draft.evaluator_id == team.boss.id

    from portal.reassign import handovers

    preview = handovers.preview_handover(
        team.boss, successor, "plh", set_atasan=False, actor=team.admin
    )
    assert [m.evaluation.id for m in preview.evaluations] == [draft.id]
    handovers.hand_over(
        team.boss,
        successor,
        "plh",
        set_atasan=False,
        note="",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    assert finish(old, team, form_b(team)).status_code == 403
    assert evaluation_of(team).status == "draft"
    assert finish(new, team, form_b(team)).status_code == 303
    evaluation = evaluation_of(team)
    assert (evaluation.status, evaluation.evaluator_id) == ("final", successor.id)
    assert db.session.get(Target, team.target.id).state == "evaluated"
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).evaluator_id == successor.id


# -- statement counts


def _grow(factory, team, start: int, count: int) -> None:
    """``count`` more supervisors, each with a subordinate, targets to approve and to
    evaluate, a pending entry and a draft evaluation."""
    for i in range(start, start + count):
        boss = factory.employee(team.owner.unit, atasan=team.head, name=f"Atasan Uji {i:03d}")
        staff = factory.employee(team.owner.unit, atasan=boss)
        factory.target(staff, team.period, state="discussed")
        reported = factory.target(staff, team.period, state="reported")
        approved = factory.target(staff, team.period, state="approved")
        db.session.add(entry(approved, date(2026, 5, 4)))
        db.session.add(
            Evaluation(
                plan_id=reported.plan_id,
                employee_id=staff.id,
                period_id=team.period.id,
                instansi_id=staff.instansi_id,
                evaluator_id=boss.id,
                version=1,
            )
        )
    db.session.commit()


def test_the_list_page_issues_the_same_statements_at_5_and_50(
    factory, monkeypatch, login_as, count_statements
):
    team = build_team(factory, monkeypatch)
    admin = login_as(team.admin)
    app = current_app._get_current_object()

    def measure() -> int:
        with app.app_context():
            admin.get("/admin/pengalihan")
        with app.app_context(), count_statements() as counter:
            response = admin.get("/admin/pengalihan")
        assert response.status_code == 200
        return counter.count

    _grow(factory, team, 0, 5)
    small = measure()
    _grow(factory, team, 5, 45)
    assert measure() == small
