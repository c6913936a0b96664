"""The reassignment screens' own texts made in Python (refusals, conflicts, the preview's
notes, the confirmations) in the admin's language; what is stored stays as it was."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Target
from portal.reassign.handovers import RECIPIENT_OTHER_AGENCY
from portal.reassign.notes import NOTE_REQUIRED
from tests.test_reassign import build_world, state_of_the_world

TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


@pytest.fixture
def w(factory, monkeypatch):
    world = build_world(factory, monkeypatch)
    world.team.admin.language = "en"
    db.session.commit()
    return world


@pytest.fixture
def admin(w, signed_in, no_inline_code):
    return signed_in(w.team.admin)


def handover_url(w) -> str:
    return f"/admin/pengalihan/pegawai/{w.team.boss.id}"


def _assert_shown(page: str, english: list[str], indonesian: list[str]) -> None:
    for text in english:
        assert text in page, text
    for text in indonesian:
        assert text not in page, text


ENGLISH_REFUSAL = "Whoever takes over the work must be an employee of the same agency."
INDONESIAN_REFUSAL = str(RECIPIENT_OTHER_AGENCY)
INDONESIAN_EMPTY_NOTE = str(NOTE_REQUIRED)  # read at import: no locale yet, the msgid


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", ENGLISH_REFUSAL, INDONESIAN_REFUSAL), ("id", INDONESIAN_REFUSAL, ENGLISH_REFUSAL)],
)
def test_a_handover_to_another_agency_is_refused_in_the_admins_language(
    w, signed_in, language, shown, hidden
):
    w.team.admin.language = language
    db.session.commit()
    before = state_of_the_world()

    response = signed_in(w.team.admin).post(
        handover_url(w),
        {"step": "confirm", "to": str(w.team.stranger.id), "set_atasan": "1", "token": "x"},
    )

    assert response.status_code == 422
    _assert_shown(response.get_data(as_text=True), [shown], [hidden])
    assert state_of_the_world() == before


def test_the_preview_step_speaks_english(w, admin):
    missing = admin.get(handover_url(w), query_string={"step": "preview"})
    assert missing.status_code == 422
    _assert_shown(
        missing.get_data(as_text=True),
        ["Choose who takes over the work."],
        ["Pilih penerima pekerjaan."],
    )

    preview = admin.get(
        handover_url(w),
        query_string={"step": "preview", "to": str(w.successor.id), "set_atasan": "1"},
    )
    assert preview.status_code == 200
    _assert_shown(
        preview.get_data(as_text=True),
        ["1 target in a closed period is not moved: that period is frozen."],
        ["tidak dipindahkan"],
    )


def test_a_stale_confirmation_and_the_success_flash_speak_english(w, admin):
    form = {"step": "confirm", "to": str(w.successor.id), "set_atasan": "1", "note": "Catatan"}

    stale = admin.post(handover_url(w), {**form, "token": "0" * 32})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    _assert_shown(
        page,
        ["The work to be reassigned has changed since the preview was made"],
        ["berubah sejak pratinjau dibuat"],
    )

    [token] = TOKEN.findall(page)
    done = admin.post(handover_url(w), {**form, "token": token})
    assert done.status_code == 303
    _assert_shown(
        admin.get(done.headers["Location"]).get_data(as_text=True),
        [
            f"Work of {w.team.boss.display_name} reassigned: targets: 4, evaluations: 1, "
            "changes of supervisor: 2."
        ],
        ["dialihkan:"],
    )
    # What is stored stays as it was: the admin's note, plain JSON in the audit log.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reassign.handover"))
    assert event.summary["note"] == "Catatan"


def test_supervisor_and_target_refusals_speak_english(w, admin):
    team = w.team
    loop = admin.post(
        f"/admin/pengalihan/pegawai/{team.owner.id}/atasan",
        {"step": "confirm", "atasan": str(w.grandchild.id), "move_work": "1", "token": "x"},
    )
    assert loop.status_code == 422
    _assert_shown(
        loop.get_data(as_text=True),
        [
            f"{w.grandchild.display_name} reports (directly or not) to "
            f"{team.owner.display_name}; the chain of supervisors must not loop."
        ],
        ["tidak boleh melingkar"],
    )

    evaluated = db.session.get(Target, w.evaluated.id)
    refused = admin.post(
        f"/admin/pengalihan/target/{evaluated.id}",
        {"to": str(w.successor.id), "version": str(evaluated.version)},
    )
    assert refused.status_code == 422
    _assert_shown(
        refused.get_data(as_text=True),
        ["A target in the state “Evaluated” has been evaluated; its evaluator is not reassigned."],
        ["sudah dievaluasi", "Dievaluasi"],
    )


def test_an_empty_interim_note_is_refused_in_english(w, admin):
    response = admin.post(f"/target/{w.discussed.id}/catatan-serah-terima", {"note": "  "})

    assert response.status_code == 303
    _assert_shown(
        admin.get(response.headers["Location"]).get_data(as_text=True),
        ["Write the note first."],
        [INDONESIAN_EMPTY_NOTE],
    )
