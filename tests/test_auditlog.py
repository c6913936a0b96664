"""The audit log viewer: permissions, each filter, bad filters, keyset pages, links,
escaping, statement counts; the CSV export; each employee's own audit trail."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from portal.auditlog import export as export_module
from portal.auditlog.services import PAGE_SIZE
from portal.extensions import db as _db
from portal.models import AuditEvent, Employee
from tests.pages import field_error

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here

VIEWER = "/admin/log-audit"
EXPORT = "/admin/log-audit/ekspor.csv"
ROW = re.compile(r'<tr id="kejadian-(\d+)">')
# 1 March 2026, 09.00 WIB.
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def org(factory, db):
    head, boss, staff = factory.team(2)
    admin = factory.employee(head.unit, atasan=head, is_admin=True, name="Rahmat Admin Uji")
    outsider = factory.employee(factory.unit(factory.instansi()), name="Orang Luar Uji")
    other_admin = factory.employee(outsider.unit, is_admin=True)
    superadmin = factory.employee(factory.unit(factory.instansi()), is_superadmin=True)
    db.session.commit()
    return {
        "head": head,
        "boss": boss,
        "staff": staff[0],
        "peer": staff[1],
        "admin": admin,
        "outsider": outsider,
        "other_admin": other_admin,
        "superadmin": superadmin,
    }


def add_event(
    action="target.update",
    *,
    at=T0,
    actor=None,
    subject=None,
    instansi_id=None,
    object_type=None,
    object_id=None,
    summary=None,
    ip="10.0.0.1",
    user_agent="UA",
):
    """An audit row as ``portal.audit.record`` writes it, at a chosen time."""
    event = AuditEvent(
        occurred_at=at,
        action=action,
        actor_id=actor.id if actor else None,
        subject_id=subject.id if subject else None,
        instansi_id=instansi_id
        or (subject.instansi_id if subject else actor.instansi_id if actor else None),
        object_type=object_type if object_type or not subject else "Employee",
        object_id=object_id if object_id is not None or not subject else subject.id,
        summary=summary or {},
        ip=ip,
        user_agent=user_agent,
    )
    _db.session.add(event)
    _db.session.flush()
    return event


def shown(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return [int(i) for i in ROW.findall(response.get_data(as_text=True))]


def links(response, label: str) -> str | None:
    """The address of the pager link named ``label``."""
    page = response.get_data(as_text=True)
    match = re.search(
        rf'<a class="btn btn--small btn--secondary" href="([^"]+)"[^>]*>{label}</a>', page
    )
    return html.unescape(match.group(1)) if match else None


# Who may look


def test_only_admins_open_the_viewer_and_the_export(org, signed_in):
    for who in ("staff", "boss", "head"):
        client = signed_in(org[who])
        assert client.get(VIEWER).status_code == 403, who
        assert client.get(EXPORT).status_code == 403, who
    assert signed_in(org["admin"]).get(VIEWER).status_code == 200


def test_admins_see_their_own_instansi_only_and_the_superadmin_everything(org, signed_in, db):
    ours = add_event(actor=org["staff"], subject=org["staff"], summary={"mark": "punya-kami"})
    theirs = add_event(
        actor=org["outsider"], subject=org["outsider"], summary={"mark": "punya-mereka"}
    )
    db.session.commit()
    page = signed_in(org["admin"]).get(VIEWER)
    assert shown(page) == [ours.id]
    assert "punya-mereka" not in page.get_data(as_text=True)
    # Filtering by the outsider's name finds nothing either.
    assert shown(signed_in(org["admin"]).get(f"{VIEWER}?pelaku=Orang+Luar")) == []
    assert shown(signed_in(org["other_admin"]).get(VIEWER)) == [theirs.id]
    assert set(shown(signed_in(org["superadmin"]).get(VIEWER))) == {ours.id, theirs.id}


def test_the_nav_shows_the_log_to_admins_only(org, signed_in):
    assert 'href="/admin/log-audit"' in signed_in(org["admin"]).get("/").get_data(as_text=True)
    assert 'href="/admin/log-audit"' not in signed_in(org["staff"]).get("/").get_data(as_text=True)


# Filters, each on its own and together


@pytest.fixture
def varied(org, db):
    """Events that differ in one property each, to tell each filter's rows apart."""
    staff, peer, boss, admin = org["staff"], org["peer"], org["boss"], org["admin"]
    events = {
        "login": add_event("auth.login", actor=staff, subject=staff, at=T0),
        "approve": add_event(
            "target.approve",
            actor=boss,
            subject=peer,
            object_type="Target",
            object_id=777,
            at=T0 + timedelta(minutes=1),
        ),
        "edit": add_event(
            "employee.update", actor=admin, subject=peer, at=T0 + timedelta(minutes=2)
        ),
        # 1 March 23.30 WIB and 2 March 00.30 WIB: different days in Jakarta, the same in UTC.
        "late": add_event(
            "entry.create",
            actor=staff,
            subject=staff,
            object_type="WorkEntry",
            object_id=5,
            at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
        ),
        "next_day": add_event(
            "entry.accept",
            actor=boss,
            subject=staff,
            object_type="WorkEntry",
            object_id=5,
            at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
        ),
    }
    db.session.commit()
    return {name: event.id for name, event in events.items()}


def test_each_filter_narrows_the_log(org, varied, signed_in, subtests):
    client = signed_in(org["admin"])
    staff, boss, peer = org["staff"], org["boss"], org["peer"]
    cases = {
        "actor by NIP as printed": (f"pelaku={staff.nip_display}", {"login", "late"}),
        "actor by NIP start": (f"pelaku={boss.nip[:17]}", {"approve", "next_day"}),
        "actor by part of the name": (
            f"pelaku={boss.name[-8:].upper()}",
            {"approve", "next_day"},
        ),
        "action": ("tindakan=target.approve", {"approve"}),
        "object type": ("objek=WorkEntry", {"late", "next_day"}),
        "object type and id": ("objek=Target&nomor=777", {"approve"}),
        "object id that matches nothing": ("objek=Target&nomor=778", set()),
        "subject by NIP": (f"pegawai={peer.nip}", {"approve", "edit"}),
        "subject by name": (f"pegawai={peer.name[-8:]}", {"approve", "edit"}),
        "until 1 March (Jakarta)": ("sampai=2026-03-01", {"login", "approve", "edit", "late"}),
        "from 2 March (Jakarta)": ("dari=2026-03-02", {"next_day"}),
        "one day": ("dari=2026-03-01&sampai=2026-03-01", {"login", "approve", "edit", "late"}),
        "combined": (f"pelaku={boss.nip}&objek=WorkEntry&dari=2026-03-02", {"next_day"}),
        "a name with a wildcard is taken literally": ("pelaku=%25", set()),
        "no filter": ("", set(varied)),
    }
    for name, (query, expected) in cases.items():
        with subtests.test(name):
            ids = shown(client.get(f"{VIEWER}?{query}"))
            assert set(ids) == {varied[key] for key in expected}


def test_the_form_keeps_the_filters_and_the_results_come_as_a_fragment(org, varied, signed_in):
    client = signed_in(org["admin"])
    full = client.get(f"{VIEWER}?tindakan=target.approve&pelaku=abc").get_data(as_text=True)
    assert '<option value="target.approve" selected>' in full
    assert 'value="abc"' in full
    assert 'hx-push-url="true"' in full and 'hx-target="#audit-results"' in full
    fragment = client.get(f"{VIEWER}?pelaku=&tindakan=target.approve&dari=", htmx=True)
    body = fragment.get_data(as_text=True)
    # The address pushed to the browser's history: shareable, without the empty fields.
    assert fragment.headers["HX-Push-Url"] == f"{VIEWER}?tindakan=target.approve"
    assert shown(fragment) == [varied["approve"]]
    assert "<html" not in body and 'id="f-tindakan"' not in body
    # The fields' error slots come along out of band, emptied.
    assert '<p class="field-error" id="f-dari-error" hx-swap-oob="true"></p>' in body


def test_rows_show_labels_links_people_and_the_raw_key_of_unknown_actions(
    org, signed_in, db, factory
):
    staff = org["staff"]
    period = factory.period(staff.instansi)
    target = factory.target(staff, period)
    deleted = add_event(
        "target.delete",
        actor=staff,
        subject=staff,
        object_type="Target",
        object_id=target.id + 1000,
    )
    unknown = add_event("reassign.something_new", actor=org["admin"], subject=staff)
    db.session.commit()
    page = signed_in(org["admin"]).get(VIEWER).get_data(as_text=True)
    assert "Target ditambahkan" in page  # the factory's own target.create event
    assert f'href="/target/{target.id}"' in page
    assert f'href="/pegawai/{staff.id}"' in page
    assert staff.nip_display in page
    row = page[page.index(f'id="kejadian-{deleted.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Target dihapus" in row and 'href="/target/' not in row  # gone: no link
    row = page[page.index(f'id="kejadian-{unknown.id}"') :]
    assert "reassign.something_new" in row[: row.index("</tr>")]


def test_summaries_are_escaped_text(org, signed_in, db):
    add_event(
        actor=org["admin"],
        subject=org["staff"],
        summary={"changes": {"name": ["Lama", "<script>alert(1)</script>"]}, "note": "<b>x</b>"},
    )
    db.session.commit()
    page = signed_in(org["admin"]).get(VIEWER).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>x</b>" not in page
    assert "Lama → &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


# Bad filters: a clear message at the field, no results, nothing changed


BAD_FILTERS = {
    "dari=2026-02-30": ("f-dari", "Tanggal tidak valid"),
    "dari=kemarin": ("f-dari", "Tanggal tidak valid"),
    "sampai=0001-01-01": ("f-sampai", "antara tahun"),
    "dari=2026-03-05&sampai=2026-03-01": ("f-sampai", "tidak boleh sebelum tanggal awal"),
    "tindakan=target.explode": ("f-tindakan", "Jenis tindakan tidak dikenal"),
    "objek=Rahasia": ("f-objek", "Jenis objek tidak dikenal"),
    "objek=Target&nomor=abc": ("f-nomor", "harus berupa angka"),
    "objek=Target&nomor=%C2%B2": ("f-nomor", "harus berupa angka"),
    "nomor=12": ("f-nomor", "Pilih juga jenis objeknya"),
    "objek=Target&nomor=99999999999999999999": ("f-nomor", "terlalu besar"),
    "pelaku=" + "x" * 101: ("f-pelaku", "Paling banyak 100"),
}


def test_bad_filters_are_explained_at_their_field(org, varied, signed_in, db, subtests):
    client = signed_in(org["admin"])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    for query, (field, message) in BAD_FILTERS.items():
        with subtests.test(query):
            response = client.get(f"{VIEWER}?{query}")
            assert response.status_code == 422
            assert message in (field_error(response, field) or "")
            assert 'aria-invalid="true"' in response.get_data(as_text=True)
            assert ROW.findall(response.get_data(as_text=True)) == []
            fragment = client.get(f"{VIEWER}?{query}", htmx=True)
            assert fragment.status_code == 422
            assert "Saringan belum benar" in fragment.get_data(as_text=True)
            assert message in fragment.get_data(as_text=True)
            assert client.get(f"{EXPORT}?{query}").status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_a_bad_page_marker_is_explained(org, signed_in):
    for query in ("setelah=abc", "sebelum=-1", "setelah=99999999999999999999"):
        response = signed_in(org["admin"]).get(f"{VIEWER}?{query}")
        assert response.status_code == 422
        assert "Penanda halaman tidak valid" in response.get_data(as_text=True)


# Keyset pages


def test_pages_neither_repeat_nor_miss_rows_that_share_a_timestamp(org, signed_in, db):
    staff = org["staff"]
    # 130 events, seven to a timestamp, inserted out of time order.
    times = [T0 + timedelta(seconds=(i * 37) % 19) for i in range(130)]
    events = [add_event(actor=staff, subject=staff, at=t) for t in times]
    db.session.commit()
    expected = [e.id for e in sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)]
    client = signed_in(org["admin"])
    pages, url = [], f"{VIEWER}?pelaku={staff.nip}"
    while url:
        response = client.get(url)
        pages.append(shown(response))
        url = links(response, "Lebih lama →")
    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 30]
    assert [i for p in pages for i in p] == expected
    # The filter travels with the pager; and back from the last page, page by page.
    assert f"pelaku={staff.nip}" in links(response, "← Lebih baru")
    back = []
    url = links(response, "← Lebih baru")
    while url:
        response = client.get(url)
        back.append(shown(response))
        url = links(response, "← Lebih baru")
    assert back == pages[-2::-1]
    assert links(response, "Terbaru") is None and links(response, "Lebih lama →")


def test_the_pager_swaps_only_the_results(org, signed_in, db):
    for i in range(PAGE_SIZE + 1):
        add_event(actor=org["staff"], subject=org["staff"], at=T0 + timedelta(seconds=i))
    db.session.commit()
    client = signed_in(org["admin"])
    older = links(client.get(VIEWER), "Lebih lama →")
    fragment = client.get(older, htmx=True)
    assert len(shown(fragment)) == 1 and "<html" not in fragment.get_data(as_text=True)


# CSV export


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_streams_the_filtered_rows_as_csv_and_is_audited(org, varied, signed_in, db):
    theirs = add_event(actor=org["outsider"], subject=org["outsider"])
    db.session.commit()
    client = signed_in(org["admin"])
    response = client.get(f"{EXPORT}?objek=WorkEntry")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    assert re.fullmatch(r"log-audit-\d{8}\.csv", options["filename"])
    rows = read_csv(response)
    assert rows[0][:3] == ["No. kejadian", "Waktu", "NIP pelaku"]
    assert [int(r[0]) for r in rows[1:]] == [varied["next_day"], varied["late"]]
    accept = rows[1]
    assert accept[1] == "2026-03-02 00:30:00 +07:00"  # local time, with its offset
    assert accept[2:6] == [
        org["boss"].nip,
        org["boss"].name,
        "entry.accept",
        "Laporan harian diterima",
    ]
    assert accept[6:10] == ["WorkEntry", "5", org["staff"].nip, org["staff"].name]
    assert accept[11:] == ["10.0.0.1", "UA"]
    everything = read_csv(client.get(EXPORT))
    assert str(theirs.id) not in {r[0] for r in everything[1:]}
    db.session.rollback()
    logged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auditlog.export").order_by(AuditEvent.id)
    ).all()
    assert [e.summary for e in logged] == [{"filters": {"objek": "WorkEntry"}}, {"filters": {}}]
    assert {e.actor_id for e in logged} == {org["admin"].id}
    assert {e.instansi_id for e in logged} == {org["admin"].instansi_id}


def test_export_neutralises_cells_a_spreadsheet_would_run(org, signed_in, db):
    staff = org["staff"]
    staff.name = '=HYPERLINK("http://x")'
    add_event(
        actor=staff,
        subject=staff,
        user_agent="+cmd|' /C calc'!A0",
        ip="-1",
        action="@SUM(A1)",
        summary={"reason": "=1+1"},
    )
    add_event(actor=staff, subject=staff, user_agent="\tTab", summary={})
    db.session.commit()
    rows = read_csv(signed_in(org["admin"]).get(f"{EXPORT}?pelaku={staff.nip}"))[1:]
    tab, formula = rows
    assert formula[3] == '\'=HYPERLINK("http://x")'
    assert formula[4] == formula[5] == "'@SUM(A1)"
    assert formula[9] == '\'=HYPERLINK("http://x")'
    assert formula[10] == '{"reason": "=1+1"}'  # starts with {, nothing to run
    assert formula[11:] == ["'-1", "'+cmd|' /C calc'!A0"]
    assert tab[12] == "'\tTab"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_export_reads_in_chunks_and_loses_no_row_between_them(
    org, signed_in, db, monkeypatch, count_statements
):
    staff = org["staff"]
    events = [
        add_event(actor=staff, subject=staff, at=T0 + timedelta(seconds=i // 4)) for i in range(23)
    ]
    db.session.commit()
    monkeypatch.setattr(export_module, "CHUNK", 5)
    client = signed_in(org["admin"])
    with count_statements() as counter:
        rows = read_csv(client.get(f"{EXPORT}?pelaku={staff.nip}"))[1:]
    expected = sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)
    assert [int(r[0]) for r in rows] == [e.id for e in expected]
    reads = [s for s in counter.statements if "FROM audit_event" in s and "LIMIT" in s]
    assert len(reads) == 5  # 23 rows in chunks of 5


# The employee's own trail


def test_an_employee_sees_the_trail_of_their_own_data(org, signed_in, db):
    staff, boss, peer = org["staff"], org["boss"], org["peer"]
    own = add_event("auth.login", actor=staff, subject=staff, ip="192.0.2.7")
    by_boss = add_event(
        "entry.accept", actor=boss, subject=staff, ip="198.51.100.9", at=T0 + timedelta(minutes=1)
    )
    failed = add_event(
        "auth.login_failed", subject=staff, ip="203.0.113.5", at=T0 + timedelta(minutes=2)
    )
    about_peer = add_event("employee.update", actor=staff, subject=peer, ip="192.0.2.7")
    db.session.commit()
    response = signed_in(staff).get(f"/pegawai/{staff.id}/jejak-audit")
    page = response.get_data(as_text=True)
    assert shown(response) == [failed.id, by_boss.id, own.id]
    assert about_peer.id not in shown(response)
    assert "192.0.2.7" in page  # their own sign-in
    assert "198.51.100.9" not in page and "203.0.113.5" not in page  # others' addresses
    assert boss.display_name in page and "Anda" in page
    assert "Laporan harian diterima" in page and "Gagal masuk" in page


def test_nobody_else_opens_an_employees_trail(org, signed_in):
    staff = org["staff"]
    url = f"/pegawai/{staff.id}/jejak-audit"
    for who in ("peer", "boss", "head", "admin"):
        assert signed_in(org[who]).get(url).status_code == 403, who
    assert signed_in(org["outsider"]).get(url).status_code == 404
    assert signed_in(org["other_admin"]).get(url).status_code == 404
    assert signed_in(staff).get("/pegawai/999999/jejak-audit").status_code == 404


def test_the_profile_links_to_the_trail_and_admins_to_the_viewer(org, signed_in):
    staff = org["staff"]
    own = signed_in(staff).get(f"/pegawai/{staff.id}").get_data(as_text=True)
    assert f'href="/pegawai/{staff.id}/jejak-audit"' in own and "Jejak audit data saya" in own
    boss_view = signed_in(org["boss"]).get(f"/pegawai/{staff.id}").get_data(as_text=True)
    assert "jejak-audit" not in boss_view and "log-audit" not in boss_view
    admin_view = signed_in(org["admin"]).get(f"/pegawai/{staff.id}").get_data(as_text=True)
    assert f'href="/admin/log-audit?pegawai={staff.nip}"' in admin_view


def test_the_trail_pages_through_long_histories(org, signed_in, db):
    staff = org["staff"]
    events = [
        add_event(actor=staff, subject=staff, at=T0 + timedelta(seconds=i % 3))
        for i in range(PAGE_SIZE + 7)
    ]
    db.session.commit()
    client = signed_in(staff)
    first = client.get(f"/pegawai/{staff.id}/jejak-audit")
    second = client.get(links(first, "Lebih lama →"))
    ids = shown(first) + shown(second)
    assert sorted(ids) == sorted(e.id for e in events) and len(set(ids)) == len(ids)
    assert links(second, "Lebih lama →") is None


# Statement counts: the same at 14 events as at 74


def test_statement_counts_do_not_grow_with_the_number_of_events(
    org, signed_in, db, factory, count_statements
):
    staff, admin = org["staff"], org["admin"]
    period = factory.period(staff.instansi)
    target = factory.target(staff, period)
    db.session.commit()
    kinds = [
        ("Target", target.id),
        ("Employee", staff.id),
        ("Plan", 1),
        ("WorkEntry", 1),
        ("Evaluation", 1),
        ("FollowUpItem", 1),
        ("Period", period.id),
    ]

    staff_id, admin_id = staff.id, admin.id

    def add(count):
        staff, admin = db.session.get(Employee, staff_id), db.session.get(Employee, admin_id)
        for i in range(count):
            object_type, object_id = kinds[(i // 2) % len(kinds)]
            add_event(
                actor=admin if i % 2 else staff,
                subject=staff,
                object_type=object_type,
                object_id=object_id,
                at=T0 + timedelta(seconds=i),
            )
        db.session.commit()

    clients = {"admin": signed_in(admin), "staff": signed_in(staff)}
    urls = {
        "viewer": ("admin", VIEWER),
        "viewer filtered": ("admin", f"{VIEWER}?pelaku={staff.nip}&pegawai=a&dari=2026-01-01"),
        "own trail": ("staff", f"/pegawai/{staff.id}/jejak-audit"),
    }

    def measure():
        counts = {}
        for name, (who, url) in urls.items():
            db.session.rollback()
            db.session.expunge_all()
            with count_statements() as counter:
                response = clients[who].get(url)
            assert response.status_code == 200, name
            counts[name] = counter.count
        return counts

    add(2 * len(kinds))  # every kind of object, by each actor
    small = measure()
    add(60)
    assert measure() == small
