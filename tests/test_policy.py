"""Who may do what: the policy matrix, asked directly and over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from portal import policy, policy_messages
from portal.errors import NotFound, PermissionDenied
from portal.models import AuditEvent, Employee
from portal.policy import Action
from tests.factories import employee_form

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here


@dataclass
class Org:
    """Instansi A: head → boss → staff, staff2; head → peer → peer_staff; head → admin.
    Instansi B: head_b → staff_b, admin_b; super (superadmin, in B)."""

    head: Employee
    boss: Employee
    staff: Employee
    staff2: Employee
    peer: Employee
    peer_staff: Employee
    admin: Employee
    head_b: Employee
    staff_b: Employee
    admin_b: Employee
    super: Employee

    def __getitem__(self, name: str) -> Employee:
        return getattr(self, name)


@pytest.fixture
def org(factory, db) -> Org:
    head, boss, (staff, staff2) = factory.team(2)
    peer = factory.employee(head.unit, atasan=head)
    peer_staff = factory.employee(head.unit, atasan=peer)
    admin = factory.employee(head.unit, atasan=head, is_admin=True)
    unit_b = factory.unit(factory.instansi())
    head_b = factory.employee(unit_b)
    staff_b = factory.employee(unit_b, atasan=head_b)
    admin_b = factory.employee(unit_b, atasan=head_b, is_admin=True)
    superadmin = factory.employee(unit_b, atasan=head_b, is_superadmin=True)
    db.session.commit()
    return Org(
        head, boss, staff, staff2, peer, peer_staff, admin, head_b, staff_b, admin_b, superadmin
    )


# user → {target: (relation, may view the profile, may manage the employee, refusal)}.
# The refusal is what authorize() raises for VIEW_PROFILE: 404 outside the instansi, 403 in it.
D, N = PermissionDenied, NotFound
MATRIX = {
    "staff": {
        "staff": ("self", True, False, None),
        "staff2": (None, False, False, D),
        "boss": (None, False, False, D),
        "head": (None, False, False, D),
        "peer_staff": (None, False, False, D),
        "staff_b": (None, False, False, N),
    },
    "boss": {
        "staff": ("subordinate", True, False, None),
        "head": (None, False, False, D),
        "peer": (None, False, False, D),
        "peer_staff": (None, False, False, D),
        "head_b": (None, False, False, N),
    },
    "head": {
        "boss": ("subordinate", True, False, None),
        "staff": ("subtree", True, False, None),
        "peer_staff": ("subtree", True, False, None),
        "staff_b": (None, False, False, N),
    },
    "admin": {
        "admin": ("self", True, True, None),
        "staff": ("admin", True, True, None),
        "head": ("admin", True, True, None),
        "staff_b": (None, False, False, N),
        "admin_b": (None, False, False, N),
    },
    "admin_b": {
        "staff_b": ("admin", True, True, None),
        "staff": (None, False, False, N),
    },
    "head_b": {
        "staff_b": ("subordinate", True, False, None),
        "staff": (None, False, False, N),
    },
    "super": {
        "super": ("self", True, True, None),
        "staff": ("superadmin", True, True, None),
        "head": ("superadmin", True, True, None),
        "staff_b": ("superadmin", True, True, None),
    },
}


def test_policy_matrix(org, subtests):
    for user, rows in MATRIX.items():
        viewer = org[user]
        for target, (relation, view, manage, refusal) in rows.items():
            with subtests.test(user=user, target=target):
                employee = org[target]
                assert policy.relation(viewer, employee) == relation
                assert policy.can(viewer, Action.VIEW_PROFILE, employee) is view
                assert policy.can(viewer, Action.MANAGE_EMPLOYEE, employee) is manage
                if refusal is None:
                    policy.authorize(viewer, Action.VIEW_PROFILE, employee)
                else:
                    with pytest.raises(refusal):
                        policy.authorize(viewer, Action.VIEW_PROFILE, employee)


INSTANSI_MATRIX = [
    # (user, whose instansi, may view it and its periods, may manage it)
    ("staff", "staff", True, False),
    ("head", "staff", True, False),
    ("admin", "staff", True, True),
    ("admin", "staff_b", False, False),
    ("super", "staff", True, True),
    ("super", "staff_b", True, True),
]


def test_instansi_actions(org, factory, subtests):
    periods = {name: factory.period(org[name].instansi) for name in ("staff", "staff_b")}
    for user, instansi_of, view, manage in INSTANSI_MATRIX:
        with subtests.test(user=user, instansi_of=instansi_of):
            user, instansi = org[user], org[instansi_of].instansi
            period = periods[instansi_of]
            assert policy.can(user, Action.VIEW_INSTANSI, instansi) is view
            assert policy.can(user, Action.VIEW_PERIOD, period) is view
            assert policy.can(user, Action.MANAGE_INSTANSI, instansi) is manage
            assert policy.can(user, Action.MANAGE_INSTANSI, period) is manage
            assert policy.can(user, Action.MANAGE_EMPLOYEE, instansi) is manage


def test_own_settings_are_only_ones_own(org):
    assert policy.can(org.staff, Action.EDIT_OWN_SETTINGS, org.staff)
    assert not policy.can(org.boss, Action.EDIT_OWN_SETTINGS, org.staff)
    assert not policy.can(org.admin, Action.EDIT_OWN_SETTINGS, org.staff)


def test_an_inactive_user_may_do_nothing(org):
    org.admin.active = False
    for action in [Action.VIEW_PROFILE, Action.MANAGE_EMPLOYEE, Action.EDIT_OWN_SETTINGS]:
        assert not policy.can(org.admin, action, org.admin)
    assert not policy.can(None, Action.VIEW_PROFILE, org.staff)


def test_the_subtree_follows_the_whole_chain(org, factory, db):
    deep = org.staff
    chain = [org.staff]
    for _ in range(6):
        deep = factory.employee(org.head.unit, atasan=deep)
        chain.append(deep)
    db.session.commit()
    assert policy.supervisor_chain_ids(deep.id) == [e.id for e in reversed(chain[:-1])] + [
        org.boss.id,
        org.head.id,
    ]
    assert policy.relation(org.head, deep) == "subtree"
    assert policy.relation(org.staff, deep) == "subtree"
    assert policy.relation(deep, org.staff) is None


# Over HTTP


def test_profile_over_http(org, signed_in, subtests):
    for user, rows in MATRIX.items():
        client = signed_in(org[user])
        for target, (_, _, _, refusal) in rows.items():
            with subtests.test(user=user, target=target):
                employee = org[target]
                response = client.get(f"/pegawai/{employee.id}")
                assert response.status_code == {None: 200, D: 403, N: 404}[refusal]
                shown = employee.name in response.get_data(as_text=True)
                assert shown is (refusal is None)


def without_csrf_tokens(response) -> str:
    """The page without its CSRF tokens, which carry a timestamp."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6,}\.[\w-]{20,}", "TOKEN", response.get_data(as_text=True))


@pytest.mark.parametrize("htmx", [False, True])
def test_another_instansi_cannot_be_told_from_nothing(org, signed_in, htmx):
    client = signed_in(org.admin)
    # The same request id for both, as each response echoes its own.
    same_id = {"X-Request-ID": "same-request-id"}
    for url in ["/pegawai/{}", "/admin/pegawai/{}/ubah"]:
        elsewhere = client.get(url.format(org.staff_b.id), htmx=htmx, headers=same_id)
        nowhere = client.get(url.format(99999999), htmx=htmx, headers=same_id)
        assert elsewhere.status_code == nowhere.status_code == 404
        assert without_csrf_tokens(elsewhere) == without_csrf_tokens(nowhere)
        assert {k: v for k, v in elsewhere.headers if k != "Set-Cookie"} == {
            k: v for k, v in nowhere.headers if k != "Set-Cookie"
        }


def test_admin_pages_are_for_admins(org, signed_in, subtests):
    for user, status in [
        ("staff", 403),
        ("boss", 403),
        ("head", 403),
        ("admin", 200),
        ("super", 200),
    ]:
        client = signed_in(org[user])
        for url, htmx in [
            ("/admin/pegawai", False),
            ("/admin/pegawai?q=a", True),
            ("/admin/pegawai/baru", False),
            (f"/admin/pegawai/{org.staff.id}/ubah", False),
        ]:
            with subtests.test(user=user, url=url):
                assert client.get(url, htmx=htmx).status_code == status


def test_admin_list_shows_only_the_admins_instansi(org, signed_in):
    page = signed_in(org.admin).get("/admin/pegawai").get_data(as_text=True)
    # By NIP, which is unique: generated names can contain one another ("Retno Ayu Fauzi").
    assert org.staff.nip_display in page
    assert org.staff_b.nip_display not in page
    assert org.head_b.nip_display not in page


def test_editing_someone_one_may_not_manage_changes_nothing(org, signed_in, db, subtests):
    for user, status in [("admin_b", 404), ("boss", 403), ("staff", 403), ("head", 403)]:
        with subtests.test(user=user):
            response = signed_in(org[user]).post(
                f"/admin/pegawai/{org.staff.id}/ubah", employee_form(org.staff, jabatan="Diretas")
            )
            assert response.status_code == status
            db.session.rollback()
            assert db.session.get(Employee, org.staff.id).jabatan == "Analis Kebijakan"
            assert (
                db.session.scalar(
                    select(func.count()).where(AuditEvent.action == "employee.update")
                )
                == 0
            )


def test_edit_link_only_for_those_who_may_edit(org, signed_in):
    edit_url = f"/admin/pegawai/{org.staff.id}/ubah"
    assert edit_url in signed_in(org.admin).get(f"/pegawai/{org.staff.id}").get_data(as_text=True)
    for user in ["boss", "head", "staff"]:
        page = signed_in(org[user]).get(f"/pegawai/{org.staff.id}").get_data(as_text=True)
        assert edit_url not in page, user


def test_admin_menu_only_for_admins(org, signed_in):
    assert 'href="/admin/pegawai"' in signed_in(org.admin).get("/").get_data(as_text=True)
    assert 'href="/admin/pegawai"' not in signed_in(org.boss).get("/").get_data(as_text=True)


def test_profile_links_only_to_profiles_the_viewer_may_open(org, signed_in):
    """The supervisor chain names everyone above, but a pegawai may not open their pages."""
    page = signed_in(org.staff).get(f"/pegawai/{org.staff.id}").get_data(as_text=True)
    assert org.boss.name in page and org.head.name in page
    assert f'href="/pegawai/{org.boss.id}"' not in page
    assert f'href="/pegawai/{org.head.id}"' not in page
    page = signed_in(org.admin).get(f"/pegawai/{org.staff.id}").get_data(as_text=True)
    assert f'href="/pegawai/{org.boss.id}"' in page
    assert f'href="/pegawai/{org.head.id}"' in page
    page = signed_in(org.head).get(f"/pegawai/{org.staff.id}").get_data(as_text=True)
    assert f'href="/pegawai/{org.boss.id}"' in page


def test_every_period_bound_action_has_its_closed_period_sentence():
    """The sentences are keyed by the actions' values; none may be missing or left over."""
    assert set(policy_messages.FROZEN) == {action.value for action in policy.PERIOD_BOUND}
    assert Action.CLOSE_FOLLOW_UP not in policy.PERIOD_BOUND


def test_the_refusals_are_the_sentences_of_policy_messages(org):
    assert policy.NOT_FOUND is policy_messages.NOT_FOUND
    with pytest.raises(PermissionDenied) as refused:
        policy.authorize(org.staff, Action.MANAGE_INSTANSI, org.staff.instansi)
    assert refused.value.message == str(policy_messages.NOT_PERMITTED)
