"""The admin's periods: prepare, change, open, close (with its summary) and reopen.

Who may (the instansi's admin; another instansi's admin gets 404, anyone else 403), what
every bad input answers (422, the message beside its field, nothing saved), what stays
fixed once plans exist, closing twice and two admins closing at once (one wins), and
the audit trail of each change. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal import audit
from portal.errors import Conflict
from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS
from portal.models import (
    AuditEvent,
    Employee,
    EntryStatus,
    Evaluation,
    FollowUpItem,
    FollowUpKind,
    Period,
    Scheme,
    Target,
)
from portal.models.evaluations import EvaluationStatus
from portal.models.periods import PeriodStatus
from portal.periods import forms, services
from tests.reporting_helpers import add, entry
from workflows.targets import APPROVED, DISCUSSED, EVALUATED, REPORTED

PERIODS = "/admin/periode"


@pytest.fixture
def org(factory):
    """An instansi with an admin, a supervisor and staff; another instansi with its admin."""
    head, boss, (staff, colleague) = factory.team(2)
    admin = factory.employee(staff.unit, is_admin=True)
    other_admin = factory.employee(factory.unit(), is_admin=True)
    db.session.commit()
    return {
        "factory": factory,
        "head": head,
        "boss": boss,
        "staff": staff,
        "colleague": colleague,
        "admin": admin,
        "other_admin": other_admin,
        "instansi": admin.instansi,
    }


def form(**changes) -> dict:
    """The period form as the browser posts it: the year 2027, valid."""
    data = {
        "name": "Tahun 2027",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "scheme": "pp46",
        "weight_skp": "60",
        "weight_perilaku": "40",
        "planning_deadline": "2027-01-31",
        "report_deadline_day": "5",
        "evaluation_deadline": "2028-01-31",
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


def text_of(response) -> str:
    page = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def periods() -> list[Period]:
    db.session.expire_all()
    return list(db.session.scalars(select(Period).order_by(Period.id)))


def actions(prefix: str = "period.") -> list[tuple[str, dict]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.summary)
        .where(AuditEvent.action.like(f"{prefix}%"))
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


def row_of(period: Period) -> tuple:
    """Everything about a period that a refused request must leave as it was."""
    db.session.expire_all()
    fresh = db.session.get(Period, period.id)
    return tuple(getattr(fresh, column.key) for column in Period.__table__.columns) + (
        len(actions()),
    )


def draft(org, **values) -> Period:
    period = org["factory"].period(
        org["instansi"],
        **{
            "name": "Tahun 2027",
            "start_date": date(2027, 1, 1),
            "end_date": date(2027, 12, 31),
            "planning_deadline": date(2027, 1, 31),
            "status": PeriodStatus.DRAFT,
            **values,
        },
    )
    db.session.commit()
    return period


def current(org, **values) -> Period:
    """The open period of 2026."""
    period = org["factory"].period(org["instansi"], **values)
    db.session.commit()
    return period


# -- the list ------------------------------------------------------------------------------


def test_the_list_shows_each_period_with_its_status_and_actions(org, signed_in):
    closed = current(
        org,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
        status=PeriodStatus.CLOSED,
        closed_at=datetime(2026, 2, 1, 3, tzinfo=UTC),
        closed_by_id=org["admin"].id,
    )
    this_year = current(org)
    next_year = draft(org)
    org["factory"].target(org["staff"], this_year)
    db.session.commit()
    client = signed_in(org["admin"])
    response = client.get(PERIODS)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    # Newest first, each with its status in words.
    assert text.index("Tahun 2027") < text.index("Tahun 2026") < text.index("Tahun 2025")
    for word in ("disiapkan", "dibuka", "ditutup"):
        assert word in text
    assert org["admin"].display_name in text  # who closed 2025
    assert f'action="/admin/periode/{next_year.id}/buka"' in page
    assert f'href="/admin/periode/{this_year.id}/tutup"' in page
    assert f'href="/admin/periode/{closed.id}/buka-kembali"' in page
    assert f'href="/admin/periode/{closed.id}/ubah"' not in page  # closed: frozen
    assert "1 SKP, 1 target" in text
    # The admin menu leads here.
    assert 'href="/admin/periode"' in signed_in(org["admin"]).get("/").get_data(as_text=True)


def test_the_menu_link_is_for_admins_only(org, signed_in):
    page = signed_in(org["staff"]).get("/").get_data(as_text=True)
    assert 'href="/admin/periode"' not in page


def test_the_list_costs_the_same_statements_for_2_and_8_periods(org, signed_in, count_statements):
    client = signed_in(org["admin"])

    def measure() -> int:
        app = current_app._get_current_object()
        with app.app_context():
            client.get(PERIODS)
        with app.app_context(), count_statements() as counter:
            assert client.get(PERIODS).status_code == 200
        return counter.count

    def add_periods(years):
        for year in years:
            period = org["factory"].period(
                org["instansi"],
                name=f"Tahun {year}",
                start_date=date(year, 1, 1),
                end_date=date(year, 12, 31),
                planning_deadline=date(year, 1, 31),
            )
            org["factory"].target(org["staff"], period)
            period.status = PeriodStatus.CLOSED
            period.closed_at = datetime(year + 1, 1, 5, tzinfo=UTC)
            period.closed_by_id = org["admin"].id if year % 2 else org["head"].id
        db.session.commit()

    add_periods([2018, 2019])
    small = measure()
    add_periods(range(2010, 2016))
    assert measure() == small


# -- permissions ---------------------------------------------------------------------------


def test_only_the_admin_of_the_instansi_manages_its_periods(org, signed_in):
    period = current(org)
    before = row_of(period)
    for person in (org["staff"], org["boss"], org["head"]):
        client = signed_in(person)
        assert client.get(PERIODS).status_code == 403
        assert client.get(f"{PERIODS}/baru").status_code == 403
        assert client.post(f"{PERIODS}/baru", form()).status_code == 403
        for url in ("ubah", "tutup", "buka-kembali"):
            assert client.get(f"{PERIODS}/{period.id}/{url}").status_code == 403
        for url in ("ubah", "tutup", "buka", "buka-kembali"):
            response = client.post(f"{PERIODS}/{period.id}/{url}", form(reason="Koreksi"))
            assert response.status_code == 403, url
            assert "tidak berwenang" in text_of(response)
    outsider = signed_in(org["other_admin"])
    assert outsider.get(PERIODS).status_code == 200  # their own instansi's list
    assert "Tahun 2026" not in text_of(outsider.get(PERIODS))
    for url in ("ubah", "tutup", "buka-kembali"):
        assert outsider.get(f"{PERIODS}/{period.id}/{url}").status_code == 404
    for url in ("ubah", "tutup", "buka", "buka-kembali"):
        response = outsider.post(f"{PERIODS}/{period.id}/{url}", form(reason="Koreksi"))
        assert response.status_code == 404, url
    assert signed_in(org["admin"]).get(f"{PERIODS}/999999/ubah").status_code == 404
    assert row_of(period) == before
    assert len(periods()) == 1


def test_signed_out_visitors_are_sent_to_sign_in(org, client):
    response = client.get(PERIODS)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


# -- creating ------------------------------------------------------------------------------


def test_a_new_period_is_prepared_and_audited(org, signed_in):
    client = signed_in(org["admin"])
    page = client.get(f"{PERIODS}/baru").get_data(as_text=True)
    assert 'name="weight_skp"' in page and "PermenPANRB 6/2022" in page
    assert "bobot tidak dipakai" in page  # the weights are explained
    response = client.post(f"{PERIODS}/baru", form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PERIODS)
    (period,) = periods()
    assert period.status == PeriodStatus.DRAFT
    assert (period.name, period.start_date, period.end_date) == (
        "Tahun 2027",
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert period.scheme == Scheme.PP46
    assert (period.weight_skp, period.weight_perilaku, period.report_deadline_day) == (60, 40, 5)
    assert period.evaluation_deadline == date(2028, 1, 31)
    assert period.instansi_id == org["instansi"].id
    ((action, summary),) = actions()
    assert action == "period.create"
    assert summary["start_date"] == "2027-01-01" and summary["scheme"] == "pp46"
    assert "disiapkan" in text_of(client.get(PERIODS))


def test_dates_typed_day_first_are_understood(org, signed_in):
    response = signed_in(org["admin"]).post(
        f"{PERIODS}/baru",
        form(start_date="01-01-2027", end_date="31/12/2027", evaluation_deadline=""),
    )
    assert response.status_code == 303
    (period,) = periods()
    assert (period.start_date, period.end_date, period.evaluation_deadline) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
        None,
    )


def test_the_same_period_posted_twice_is_created_once(org, signed_in):
    client = signed_in(org["admin"])
    assert client.post(f"{PERIODS}/baru", form()).status_code == 303
    again = client.post(f"{PERIODS}/baru", form())
    assert again.status_code == 303
    assert len(periods()) == 1
    assert [a for a, _ in actions()] == ["period.create"]


BAD_INPUTS = [
    ("name", {"name": ""}, str(forms.NAME_REQUIRED)),
    ("name", {"name": "x" * 101}, "paling banyak 100 karakter"),
    ("start_date", {"start_date": None}, "Tanggal mulai wajib diisi"),
    ("start_date", {"start_date": "2027-02-30"}, "Tanggal mulai tidak valid"),
    ("start_date", {"start_date": "kemarin"}, "Tanggal mulai tidak valid"),
    ("start_date", {"start_date": "2027-01-15"}, str(forms.START_NOT_FIRST)),
    ("end_date", {"end_date": "2027-12-30"}, str(forms.END_NOT_LAST)),
    ("end_date", {"end_date": "2026-12-31"}, str(forms.END_NOT_AFTER_START)),
    ("end_date", {"end_date": "2028-03-31"}, "paling lama 12 bulan (terisi 15 bulan)"),
    ("scheme", {"scheme": "pp30"}, str(forms.SCHEME_REQUIRED)),
    ("scheme", {"scheme": None}, str(forms.SCHEME_REQUIRED)),
    ("weight_perilaku", {"weight_perilaku": "30"}, "harus berjumlah 100 (sekarang 60 + 30 = 90)"),
    ("weight_skp", {"weight_skp": "enam puluh"}, "Bobot SKP harus berupa bilangan bulat"),
    ("weight_skp", {"weight_skp": "160", "weight_perilaku": "-60"}, "Bobot SKP terlalu besar"),
    ("weight_perilaku", {"weight_perilaku": ""}, "Bobot perilaku wajib diisi"),
    ("report_deadline_day", {"report_deadline_day": "0"}, str(forms.REPORT_DAY_INVALID)),
    ("report_deadline_day", {"report_deadline_day": "29"}, str(forms.REPORT_DAY_INVALID)),
    ("report_deadline_day", {"report_deadline_day": "lima"}, str(forms.REPORT_DAY_INVALID)),
    ("planning_deadline", {"planning_deadline": ""}, "Batas penyusunan SKP wajib diisi"),
    ("planning_deadline", {"planning_deadline": "2026-12-15"}, "harus di dalam periode"),
    ("planning_deadline", {"planning_deadline": "2028-01-15"}, "harus di dalam periode"),
    ("evaluation_deadline", {"evaluation_deadline": "2027-01-20"}, "sesudah batas penyusunan"),
    ("evaluation_deadline", {"evaluation_deadline": "2028-04-01"}, "31-03-2028"),
    ("evaluation_deadline", {"evaluation_deadline": "31-31-2028"}, "Batas evaluasi tidak valid"),
]


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    BAD_INPUTS,
    ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_INPUTS)],
)
def test_bad_input_is_refused_beside_its_field(org, signed_in, field, changes, message):
    before = actions()
    response = signed_in(org["admin"]).post(f"{PERIODS}/baru", form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The message sits under its field and the field points at it.
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert error is not None, page[:3000]
    assert message in error.group(1)
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page) or re.search(
        rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', page
    )
    assert 'aria-invalid="true"' in page
    assert "Data belum bisa disimpan" in page
    # What was typed stays in the form.
    if changes.get(field) and field != "scheme":  # a select shows only its choices
        assert f'value="{changes[field]}"' in page or changes[field] in page
    assert periods() == [] and actions() == before


def test_control_characters_are_refused_in_the_name_and_the_reason(org, signed_in):
    client = signed_in(org["admin"])
    response = client.post(f"{PERIODS}/baru", form(name="Tahun\x002027"))
    assert response.status_code == 422
    assert f'id="name-error">{CONTROL_CHARACTERS}<' in response.get_data(as_text=True)
    assert periods() == []
    period = current(org, status=PeriodStatus.CLOSED)
    before = row_of(period)
    refused = client.post(f"{PERIODS}/{period.id}/buka-kembali", {"reason": "Koreksi\x07"})
    assert refused.status_code == 422
    assert f'id="reason-error">{CONTROL_CHARACTERS}<' in refused.get_data(as_text=True)
    assert row_of(period) == before


def test_a_locked_setting_posted_unchanged_is_accepted(org, signed_in):
    """A locked field may also be posted with the value it has (a form kept open
    across the first target): only another value is refused."""
    period = current(org, scheme=Scheme.PP46, evaluation_deadline=date(2027, 1, 31))
    org["factory"].target(org["staff"], period)
    db.session.commit()
    response = signed_in(org["admin"]).post(
        f"{PERIODS}/{period.id}/ubah",
        form(
            seen=services.fingerprint(period),
            name="Tahun 2026 (revisi)",
            start_date="01-01-2026",
            end_date="2026-12-31",
            planning_deadline="2026-01-31",
            evaluation_deadline="2027-01-31",
        ),
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (period.name, period.start_date) == ("Tahun 2026 (revisi)", date(2026, 1, 1))


def test_every_error_of_a_form_is_shown_at_once(org, signed_in):
    response = signed_in(org["admin"]).post(
        f"{PERIODS}/baru",
        {
            "name": "",
            "start_date": "",
            "end_date": "",
            "scheme": "",
            "weight_skp": "",
            "weight_perilaku": "",
            "planning_deadline": "",
            "report_deadline_day": "",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in (
        "name",
        "start_date",
        "end_date",
        "scheme",
        "weight_skp",
        "weight_perilaku",
        "planning_deadline",
        "report_deadline_day",
    ):
        assert f'id="{field}-error"' in page, field
    assert periods() == []


def test_a_period_overlapping_one_not_yet_closed_is_refused(org, signed_in):
    this_year = current(org)
    client = signed_in(org["admin"])
    response = client.post(
        f"{PERIODS}/baru",
        form(
            name="Triwulan IV 2026",
            start_date="2026-10-01",
            end_date="2026-12-31",
            planning_deadline="2026-10-15",
            evaluation_deadline="",
        ),
    )
    assert response.status_code == 422
    assert "tumpang tindih dengan periode Tahun 2026" in text_of(response)
    assert [p.id for p in periods()] == [this_year.id]
    # Once that one is closed, the dates are free again; so are dates after it.
    assert client.post(f"{PERIODS}/baru", form()).status_code == 303
    this_year.status = PeriodStatus.CLOSED
    db.session.commit()
    again = client.post(
        f"{PERIODS}/baru",
        form(
            name="Triwulan IV 2026",
            start_date="2026-10-01",
            end_date="2026-12-31",
            planning_deadline="2026-10-15",
            evaluation_deadline="",
        ),
    )
    assert again.status_code == 303
    assert len(periods()) == 3


def test_a_name_is_used_once_in_an_instansi(org, signed_in):
    current(org)
    response = signed_in(org["admin"]).post(f"{PERIODS}/baru", form(name="tahun 2026"))
    assert response.status_code == 422
    assert "Nama ini sudah dipakai" in text_of(response)
    # Another instansi may use the same name.
    assert (
        signed_in(org["other_admin"]).post(f"{PERIODS}/baru", form(name="Tahun 2026")).status_code
        == 303
    )


# -- opening -------------------------------------------------------------------------------


def test_nobody_plans_in_a_prepared_period_until_it_is_opened(org, signed_in):
    period = draft(org)
    staff = signed_in(org["staff"])
    plan_url = f"/skp/{period.id}/pegawai/{org['staff'].id}"
    # "My plan" leads to the prepared period, which says it is not open yet.
    my_plan = staff.get("/skp")
    assert my_plan.status_code == 302 and my_plan.headers["Location"].endswith(plan_url)
    page = text_of(staff.get(plan_url))
    assert "belum dibuka" in page and "Tambah target" not in page
    refused = staff.post(f"{plan_url}/target/baru", {"title": "Apa saja"})
    assert refused.status_code == 403
    assert f"Periode penilaian {period.name} belum dibuka" in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(Target)) == 0

    admin = signed_in(org["admin"])
    response = admin.post(f"{PERIODS}/{period.id}/buka")
    assert response.status_code == 303
    db.session.expire_all()
    assert period.status == PeriodStatus.OPEN
    assert [a for a, _ in actions()] == ["period.open"]
    assert "Tambah target" in text_of(staff.get(plan_url))


def test_opening_twice_changes_nothing_the_second_time(org, signed_in):
    period = draft(org)
    admin = signed_in(org["admin"])
    assert admin.post(f"{PERIODS}/{period.id}/buka").status_code == 303
    before = row_of(period)
    again = admin.post(f"{PERIODS}/{period.id}/buka")
    assert again.status_code == 409
    assert "sudah dibuka sebelumnya" in text_of(again)
    assert row_of(period) == before


def test_a_period_overlapping_an_open_one_cannot_be_opened(org, signed_in):
    this_year = current(org)
    # Made before the rule (or by a migration): overlapping, still prepared.
    overlapping = draft(
        org,
        name="Triwulan IV 2026",
        start_date=date(2026, 10, 1),
        end_date=date(2026, 12, 31),
        planning_deadline=date(2026, 10, 15),
    )
    before = row_of(overlapping)
    response = signed_in(org["admin"]).post(f"{PERIODS}/{overlapping.id}/buka")
    assert response.status_code == 409
    assert f"tumpang tindih dengan periode {this_year.name}" in text_of(response)
    assert row_of(overlapping) == before


def test_last_year_may_stay_open_while_this_year_opens(org, signed_in):
    """Evaluations of last year run into January: both open, "current" is the newer."""
    last = current(
        org,
        name="Tahun 2026",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
    )
    period = draft(org)
    assert signed_in(org["admin"]).post(f"{PERIODS}/{period.id}/buka").status_code == 303
    from portal.home.queries import current_period

    assert current_period(org["instansi"].id).id == period.id
    assert last.is_open


# -- changing ------------------------------------------------------------------------------


def _edit(client, period: Period, **changes):
    page = client.get(f"{PERIODS}/{period.id}/ubah").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    return client.post(f"{PERIODS}/{period.id}/ubah", form(seen=seen, **changes))


def test_a_prepared_period_may_change_anything(org, signed_in):
    period = draft(org)
    client = signed_in(org["admin"])
    page = client.get(f"{PERIODS}/{period.id}/ubah").get_data(as_text=True)
    assert 'value="2027-01-01"' in page and 'value="Tahun 2027"' in page
    response = _edit(
        client,
        period,
        name="Tahun Anggaran 2027",
        start_date="2027-02-01",
        end_date="2027-11-30",
        scheme="permenpanrb_6_2022",
        weight_skp="70",
        weight_perilaku="30",
        planning_deadline="2027-02-28",
        report_deadline_day="10",
        evaluation_deadline="2027-12-20",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert period.name == "Tahun Anggaran 2027"
    assert (period.start_date, period.end_date, period.month_count) == (
        date(2027, 2, 1),
        date(2027, 11, 30),
        10,
    )
    assert period.scheme == Scheme.PERMENPANRB_6_2022
    assert (period.weight_skp, period.report_deadline_day) == (70, 10)
    ((action, summary),) = actions()
    assert action == "period.update"
    assert summary["changes"]["start_date"] == ["2027-01-01", "2027-02-01"]
    assert summary["changes"]["name"] == ["Tahun 2027", "Tahun Anggaran 2027"]
    assert "status" not in summary["changes"]


def test_saving_without_a_change_writes_nothing(org, signed_in):
    period = draft(org, evaluation_deadline=date(2028, 1, 31), scheme=Scheme.PP46)
    before = row_of(period)
    response = _edit(signed_in(org["admin"]), period)
    assert response.status_code == 303
    assert row_of(period) == before


def test_dates_and_scheme_stay_once_targets_exist(org, signed_in):
    period = current(org, scheme=Scheme.PP46, evaluation_deadline=date(2027, 1, 31))
    org["factory"].target(org["staff"], period)
    db.session.commit()
    client = signed_in(org["admin"])
    page = client.get(f"{PERIODS}/{period.id}/ubah").get_data(as_text=True)
    assert 'name="start_date"' not in page and 'name="scheme"' not in page
    assert "sudah ada 1 target pada periode ini" in page
    before = row_of(period)
    for field, value in (
        ("start_date", "2026-02-01"),
        ("end_date", "2026-11-30"),
        ("scheme", "permenpanrb_6_2022"),
    ):
        response = _edit(
            client,
            period,
            **{
                field: value,
                "planning_deadline": "2026-02-15",
                "evaluation_deadline": "2027-01-31",
            },
        )
        assert response.status_code == 422, field
        assert re.search(
            rf'id="{field}-error">[^<]*: Tidak dapat diubah: sudah ada 1 target',
            response.get_data(as_text=True),
        ), field
        assert row_of(period) == before
    # The other settings still change; the locked ones, not posted, stay.
    response = client.post(
        f"{PERIODS}/{period.id}/ubah",
        {
            "seen": services.fingerprint(period),
            "name": "Tahun 2026 (revisi)",
            "weight_skp": "70",
            "weight_perilaku": "30",
            "planning_deadline": "2026-02-27",
            "report_deadline_day": "7",
            "evaluation_deadline": "2027-01-31",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (period.name, period.weight_skp, period.planning_deadline, period.start_date) == (
        "Tahun 2026 (revisi)",
        70,
        date(2026, 2, 27),
        date(2026, 1, 1),
    )


def test_weights_stay_once_an_evaluation_exists(org, signed_in):
    period = current(org, scheme=Scheme.PP46)
    target = org["factory"].target(org["staff"], period)
    db.session.add(
        Evaluation(
            plan_id=target.plan_id,
            employee_id=org["staff"].id,
            period_id=period.id,
            instansi_id=period.instansi_id,
            evaluator_id=org["boss"].id,
        )
    )
    db.session.commit()
    client = signed_in(org["admin"])
    assert 'name="weight_skp"' not in client.get(f"{PERIODS}/{period.id}/ubah").get_data(
        as_text=True
    )
    before = row_of(period)
    response = client.post(
        f"{PERIODS}/{period.id}/ubah",
        {
            "seen": services.fingerprint(period),
            "name": period.name,
            "weight_skp": "70",
            "weight_perilaku": "30",
            "planning_deadline": "2026-01-31",
            "report_deadline_day": "5",
        },
    )
    assert response.status_code == 422
    assert "sudah ada 1 evaluasi" in text_of(response)
    assert row_of(period) == before


def test_a_change_made_meanwhile_by_another_admin_is_not_overwritten(org, signed_in, factory):
    period = draft(org)
    second_admin = factory.employee(org["staff"].unit, is_admin=True)
    db.session.commit()
    mine, theirs = signed_in(org["admin"]), signed_in(second_admin)
    page = mine.get(f"{PERIODS}/{period.id}/ubah").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    assert _edit(theirs, period, report_deadline_day="9").status_code == 303
    before = row_of(period)
    response = mine.post(f"{PERIODS}/{period.id}/ubah", form(seen=seen, name="Tahun 2027 (A)"))
    assert response.status_code == 409
    assert "baru saja diubah admin lain" in text_of(response)
    assert 'value="9"' in response.get_data(as_text=True)  # the fresh values are shown
    assert row_of(period) == before


def test_a_closed_period_cannot_be_changed(org, signed_in):
    period = current(org, status=PeriodStatus.CLOSED)
    before = row_of(period)
    client = signed_in(org["admin"])
    assert client.get(f"{PERIODS}/{period.id}/ubah").status_code == 409
    response = client.post(
        f"{PERIODS}/{period.id}/ubah",
        form(
            seen=services.fingerprint(period),
            name="Lain",
            start_date="2026-01-01",
            end_date="2026-12-31",
            planning_deadline="2026-01-31",
            evaluation_deadline="",
        ),
    )
    assert response.status_code == 409
    assert "sudah ditutup" in text_of(response) and "Buka kembali" in text_of(response)
    assert row_of(period) == before


def test_a_change_may_not_make_it_overlap_an_open_period(org, signed_in):
    current(org)
    period = draft(org)
    before = row_of(period)
    response = _edit(
        signed_in(org["admin"]),
        period,
        start_date="2026-12-01",
        end_date="2027-11-30",
        planning_deadline="2027-01-31",
        evaluation_deadline="",
    )
    assert response.status_code == 422
    assert "tumpang tindih dengan periode Tahun 2026" in text_of(response)
    assert row_of(period) == before


# -- closing -------------------------------------------------------------------------------


@pytest.fixture
def busy(org):
    """The open period of 2026 with unfinished work of every kind the summary counts."""
    factory = org["factory"]
    period = current(org)
    staff, colleague, boss = org["staff"], org["colleague"], org["boss"]
    factory.target(staff, period)  # drafted
    factory.target(staff, period, state=DISCUSSED)
    approved = factory.target(staff, period, state=APPROVED)
    factory.target(colleague, period, state=REPORTED)
    evaluated = factory.target(colleague, period, state=EVALUATED)
    db.session.commit()
    add(
        entry(approved, date(2026, 3, 10)),
        entry(approved, date(2026, 3, 11)),
        entry(approved, date(2026, 3, 12), status=EntryStatus.ACCEPTED),
    )
    draft_evaluation = Evaluation(
        plan_id=approved.plan_id,
        employee_id=staff.id,
        period_id=period.id,
        instansi_id=period.instansi_id,
        evaluator_id=boss.id,
    )
    objected = Evaluation(
        plan_id=evaluated.plan_id,
        employee_id=colleague.id,
        period_id=period.id,
        instansi_id=period.instansi_id,
        evaluator_id=boss.id,
        status=EvaluationStatus.FINAL,
        predikat="Baik",
        employee_response="object",
        objection_status="open",
    )
    db.session.add_all([draft_evaluation, objected])
    db.session.flush()
    for status in ("open", "open", "done"):
        db.session.add(
            FollowUpItem(
                evaluation_id=objected.id,
                employee_id=colleague.id,
                instansi_id=period.instansi_id,
                kind=FollowUpKind.PEMBINAAN,
                description="Pembinaan penulisan laporan",
                responsible_id=colleague.id,
                due_date=date(2027, 3, 1),
                status=status,
                created_by_id=boss.id,
            )
        )
    db.session.commit()
    return period


def test_the_close_page_sums_up_what_is_still_open(org, busy, signed_in):
    response = signed_in(org["admin"]).get(f"{PERIODS}/{busy.id}/tutup")
    assert response.status_code == 200
    text = text_of(response)
    assert "2 pegawai memiliki SKP pada periode ini, dengan 5 target." in text
    assert "4 target belum dievaluasi" in text
    assert "2 belum disetujui, 1 belum dilaporkan, 1 menunggu evaluasi" in text
    assert "2 laporan harian menunggu verifikasi" in text
    assert "1 evaluasi masih draf" in text
    assert "1 keberatan belum diputuskan" in text
    assert "2 butir tindak lanjut masih terbuka" in text
    assert "Masih ada pekerjaan yang belum selesai" in text
    assert f'action="/admin/periode/{busy.id}/tutup"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert busy.is_open  # looking changes nothing


def test_the_summary_costs_the_same_statements_whatever_the_size(
    org, busy, signed_in, count_statements
):
    client = signed_in(org["admin"])
    url = f"{PERIODS}/{busy.id}/tutup"

    def measure() -> int:
        app = current_app._get_current_object()
        with app.app_context():
            client.get(url)
        with app.app_context(), count_statements() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    small = measure()
    for _ in range(6):
        target = org["factory"].target(org["colleague"], busy, state=APPROVED)
        add(entry(target, date(2026, 4, 1)))
    assert measure() == small


def test_closing_freezes_the_period_and_is_audited(org, busy, signed_in):
    response = signed_in(org["admin"]).post(f"{PERIODS}/{busy.id}/tutup")
    assert response.status_code == 303
    db.session.expire_all()
    assert busy.status == PeriodStatus.CLOSED
    assert busy.closed_by_id == org["admin"].id
    assert busy.closed_at is not None
    ((action, summary),) = actions()
    assert action == "period.close"
    assert summary["open_objections"] == 1 and summary["pending_entries"] == 2
    assert summary["drafted"] == 2 and summary["reported"] == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "period.close"))
    assert (event.actor_id, event.object_type, event.object_id, event.instansi_id) == (
        org["admin"].id,
        "Period",
        busy.id,
        busy.instansi_id,
    )
    # The employee's plan now says so, and offers no change.
    page = text_of(signed_in(org["staff"]).get(f"/skp/{busy.id}/pegawai/{org['staff'].id}"))
    assert "sudah ditutup" in page and "Tambah target" not in page


def test_closing_twice_changes_nothing_the_second_time(org, busy, signed_in):
    client = signed_in(org["admin"])
    assert client.post(f"{PERIODS}/{busy.id}/tutup").status_code == 303
    before = row_of(busy)
    again = client.post(f"{PERIODS}/{busy.id}/tutup")
    assert again.status_code == 409
    text = text_of(again)
    assert f"Periode {busy.name} sudah ditutup" in text
    assert org["admin"].display_name in text
    assert f'action="/admin/periode/{busy.id}/tutup"' not in again.get_data(as_text=True)
    assert row_of(busy) == before


def test_a_prepared_period_is_not_closed(org, signed_in):
    period = draft(org)
    before = row_of(period)
    response = signed_in(org["admin"]).post(f"{PERIODS}/{period.id}/tutup")
    assert response.status_code == 409
    assert "belum dibuka" in text_of(response)
    assert row_of(period) == before


HOLD = 0.3


@pytest.mark.commits  # two threads, two connections
def test_two_admins_closing_at_once_one_wins(app, org, factory, monkeypatch):
    """Each thread has its own session; the winner holds its transaction open a moment
    after its compare-and-swap (a slowed audit write), so the loser's update really runs
    against an uncommitted close."""
    period = current(org)
    second_admin = factory.employee(org["staff"].unit, is_admin=True)
    db.session.commit()
    admins = [org["admin"].id, second_admin.id]
    record = audit.record

    def slow_record(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(HOLD)
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)
    barrier = threading.Barrier(2)

    def attempt(admin_id: int) -> str:
        with app.app_context():
            try:
                row = db.session.get(Period, period.id)
                actor = db.session.get(Employee, admin_id)
                _ = (row.status, row.name, actor.instansi_id)
                barrier.wait(timeout=10)
                try:
                    services.close_period(row, actor)
                    db.session.commit()
                    return "closed"
                except Conflict:
                    db.session.rollback()
                    return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(attempt, admins))
    assert outcomes == ["closed", "conflict"]
    db.session.rollback()
    db.session.expire_all()
    closed = db.session.get(Period, period.id)
    assert closed.status == PeriodStatus.CLOSED and closed.closed_by_id in admins
    assert [a for a, _ in actions()] == ["period.close"]


# -- reopening -----------------------------------------------------------------------------


def test_reopening_needs_a_reason_and_is_audited(org, signed_in):
    period = current(org)
    client = signed_in(org["admin"])
    assert client.post(f"{PERIODS}/{period.id}/tutup").status_code == 303
    before = row_of(period)
    page = client.get(f"{PERIODS}/{period.id}/buka-kembali")
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    for reason in ("", "   ", "x" * 2001):
        response = client.post(f"{PERIODS}/{period.id}/buka-kembali", {"reason": reason})
        assert response.status_code == 422
        assert 'id="reason-error"' in response.get_data(as_text=True)
        assert row_of(period) == before
    reason = "Evaluasi dua pegawai belum disimpan karena gangguan jaringan."
    response = client.post(f"{PERIODS}/{period.id}/buka-kembali", {"reason": reason})
    assert response.status_code == 303
    db.session.expire_all()
    assert period.status == PeriodStatus.OPEN
    assert period.closed_at is None and period.closed_by_id is None
    (action, summary) = actions()[-1]
    assert action == "period.reopen"
    assert summary["reason"] == reason and summary["closed_by_id"] == org["admin"].id
    # Reopening what is open is a conflict and changes nothing.
    before = row_of(period)
    again = client.post(f"{PERIODS}/{period.id}/buka-kembali", {"reason": reason})
    assert again.status_code == 409 and "tidak sedang ditutup" in text_of(again)
    assert row_of(period) == before


def test_reopening_may_not_overlap_an_open_period(org, signed_in):
    old = current(org, status=PeriodStatus.CLOSED)
    current(
        org,
        name="Semester II 2026",
        start_date=date(2026, 7, 1),
        end_date=date(2026, 12, 31),
        planning_deadline=date(2026, 7, 31),
    )
    before = row_of(old)
    response = signed_in(org["admin"]).post(
        f"{PERIODS}/{old.id}/buka-kembali", {"reason": "Koreksi"}
    )
    assert response.status_code == 409
    assert "tumpang tindih dengan periode Semester II 2026" in text_of(response)
    assert row_of(old) == before


# -- elsewhere -----------------------------------------------------------------------------


def test_the_home_overview_names_each_status(org, signed_in):
    current(org)
    draft(org)
    text = text_of(signed_in(org["admin"]).get("/"))
    assert "disiapkan" in text and "dibuka" in text


def test_the_pages_carry_no_inline_code(org, signed_in, no_inline_code):
    """The CSP forbids inline scripts, styles and handlers: none on any period page."""
    period = current(org)
    draft(org)
    client = signed_in(org["admin"])
    for url in (
        PERIODS,
        f"{PERIODS}/baru",
        f"{PERIODS}/{period.id}/ubah",
        f"{PERIODS}/{period.id}/tutup",
    ):
        assert client.get(url).status_code == 200, url
    assert client.post(f"{PERIODS}/baru", form(name="")).status_code == 422
    assert client.post(f"{PERIODS}/{period.id}/tutup").status_code == 303
    assert client.get(f"{PERIODS}/{period.id}/buka-kembali").status_code == 200
