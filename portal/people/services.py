"""Operations on people: create, update, set the supervisor, deactivate.

Each operation validates, changes, writes the audit log and flushes; the request
commits once. Errors are :class:`InvalidInput` with the offending field.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit, emails
from portal import nip as nip_module
from portal.auth.passwords import hash_password
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Instansi, Unit
from portal.policy import supervisor_chain_ids
from portal.ranks import ALL_GOLONGAN, JenisASN, JenisJabatan

UNKNOWN_GOLONGAN = _l("Pangkat/golongan tidak dikenal.")
UNKNOWN_JENIS_ASN = _l("Jenis ASN tidak dikenal; pilih PNS atau PPPK.")
GOLONGAN_OF_PNS = _l(
    "Golongan ini tidak sesuai dengan jenis ASN PNS: PNS bergolongan/ruang I/a sampai IV/e."
)
GOLONGAN_OF_PPPK = _l(
    "Golongan ini tidak sesuai dengan jenis ASN PPPK: PPPK bergolongan I sampai XVII, "
    "tanpa pangkat."
)

SUPERVISOR_CYCLE = _l(
    "Atasan ini berada di bawah pegawai tersebut; rantai atasan tidak boleh melingkar."
)
UNIT_NOT_FOUND = _l("Unit kerja tidak ditemukan di instansi ini.")
# Also for a NIP of another instansi: which instansi employs whom is not revealed.
ATASAN_NOT_FOUND = _l("Pegawai dengan NIP ini tidak ditemukan di instansi Anda.")
LIMITS = {"name": 150, "gelar_depan": 50, "gelar_belakang": 80, "jabatan": 200, "email": 200}


@dataclass
class EmployeeData:
    """What an admin (or an import) says about an employee."""

    nip: str
    name: str
    jabatan: str
    jenis_jabatan: str
    golongan: str
    unit_id: int
    atasan_id: int | None = None
    jenis_asn: str = JenisASN.PNS.value
    gelar_depan: str = ""
    gelar_belakang: str = ""
    email: str = ""
    is_admin: bool = False
    active: bool = True


NIP_OF_ANOTHER_INSTANSI = _l(
    "NIP ini tidak dapat didaftarkan di instansi Anda. Pegawai yang pindah dari instansi "
    "lain (mutasi) dipindahkan oleh superadmin, bukan didaftarkan ulang."
)


def check_fields(data: EmployeeData) -> dict[str, str]:
    """Normalise ``data`` in place and check every rule that needs no database: the NIP,
    lengths, required fields, email, jenis ASN, golongan (one that fits the jenis ASN)
    and jenis jabatan.

    Returns ``{field: message}`` in the form's order, empty when all is well: the form
    shows the first, an import reports them all at once.
    """
    errors: dict[str, str] = {}
    try:
        data.nip = nip_module.parse(data.nip).digits
    except nip_module.InvalidNIP as exc:
        errors["nip"] = str(exc)
    for field, limit in LIMITS.items():
        value = " ".join((getattr(data, field) or "").split())
        setattr(data, field, value)
        if len(value) > limit:
            errors[field] = _("Paling banyak %(max)s karakter.", max=limit)
    if not data.name:
        errors["name"] = _("Nama wajib diisi.")
    if not data.jabatan:
        errors["jabatan"] = _("Jabatan wajib diisi.")
    if "email" not in errors and data.email:
        address = emails.normalise(data.email)
        if address is None:
            errors["email"] = _("Alamat email tidak valid.")
        else:
            data.email = address
    if data.jenis_asn not in {j.value for j in JenisASN}:
        errors["jenis_asn"] = str(UNKNOWN_JENIS_ASN)
    if data.golongan not in ALL_GOLONGAN:
        errors["golongan"] = str(UNKNOWN_GOLONGAN)
    elif "jenis_asn" not in errors and data.golongan not in JenisASN(data.jenis_asn).golongan:
        mismatch = GOLONGAN_OF_PPPK if data.jenis_asn == JenisASN.PPPK else GOLONGAN_OF_PNS
        errors["golongan"] = str(mismatch)
    if data.jenis_jabatan not in {j.value for j in JenisJabatan}:
        errors["jenis_jabatan"] = _("Jenis jabatan tidak dikenal.")
    return errors


def validate_supervisor(employee_id: int | None, atasan: Employee | None, instansi_id: int) -> None:
    """The chain must stay inside one instansi and never loop back on itself."""
    if atasan is None:
        return
    if atasan.instansi_id != instansi_id:
        raise InvalidInput(_("Atasan harus dari instansi yang sama."), field="atasan_id")
    if employee_id is not None and (
        atasan.id == employee_id or employee_id in supervisor_chain_ids(atasan.id)
    ):
        raise InvalidInput(str(SUPERVISOR_CYCLE), field="atasan_id")


def _validate(data: EmployeeData, instansi: Instansi, employee: Employee | None) -> tuple:
    errors = check_fields(data)
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidInput(message, field=field)
    duplicate = db.session.execute(
        select(Employee.id, Employee.instansi_id).where(Employee.nip == data.nip)
    ).first()
    if duplicate is not None and (employee is None or duplicate.id != employee.id):
        if duplicate.instansi_id != instansi.id:
            # A NIP is one person for life, so it cannot be taken here; what is said names
            # nothing of that person (not the name, the agency, or whether still active).
            raise InvalidInput(str(NIP_OF_ANOTHER_INSTANSI), field="nip")
        raise InvalidInput(_("NIP ini sudah terdaftar."), field="nip")
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None or unit.instansi_id != instansi.id:
        raise InvalidInput(str(UNIT_NOT_FOUND), field="unit_id")
    atasan = db.session.get(Employee, data.atasan_id) if data.atasan_id else None
    if data.atasan_id and atasan is None:
        raise InvalidInput(_("Atasan tidak ditemukan."), field="atasan_id")
    validate_supervisor(employee.id if employee else None, atasan, instansi.id)
    return unit, atasan


def one_time_password() -> str:
    """A readable one-time password for a new account, to be changed at first sign-in."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def create_employee(data: EmployeeData, instansi: Instansi) -> tuple[Employee, str]:
    """Create an employee with a one-time password; return both."""
    _validate(data, instansi, None)
    password = one_time_password()
    values = asdict(data)
    employee = Employee(
        **values,
        instansi_id=instansi.id,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    db.session.add(employee)
    db.session.flush()
    audit.record("employee.create", employee, summary={"nip": employee.nip, **_public(values)})
    return employee, password


def update_employee(employee: Employee, data: EmployeeData) -> dict:
    """Apply ``data``; return the changes as ``{field: [old, new]}``."""
    _validate(data, employee.instansi, employee)
    changes = {}
    for field in fields(EmployeeData):
        old, new = getattr(employee, field.name), getattr(data, field.name)
        if old != new:
            changes[field.name] = [old, new]
            if field.name == "atasan_id":
                employee.set_atasan(new)
            else:
                setattr(employee, field.name, new)
    if "active" in changes and not employee.active:
        employee.session_version += 1  # a deactivated account is signed out everywhere
    if changes:
        db.session.flush()
        audit.record("employee.update", employee, summary={"changes": _public(changes)})
    return changes


def _public(values: dict) -> dict:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
