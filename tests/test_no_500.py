"""No 500 on any input, and a refusal changes nothing.

The cases the black-box probe found (ids and versions beyond the database's range, a NUL
in a text field, "²" and 100,000 digits as a quantity), then a hypothesis fuzz over every
form the demo's pages show to pegawai, atasan and admin and over every URL parameter.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.forms import CONTROL_CHARACTERS
from tests.factories import signed_in
from tests.walk_helpers import get_urls, seed_walk_demo, table_state

HUGE = "99999999999999999999"
NASTY = [
    "\x00",
    "a\x00b",
    "\x01\x02",
    "\x1b[31m",
    "\x7f",
    "\u0085",
    "²",
    "¹²³",
    "٣",  # an Arabic-Indic digit
    "1" * 100_000,
    HUGE,
    "9223372036854775808",
    "18446744073709551616",
    "1e30",
    "-1",
    "-9223372036854775809",
    "0",
    "",
    " ",
    "1.000.000.000.000.000.000",
    "3,5",
    "NaN",
    "inf",
    '=HYPERLINK("https://evil.example")',
    "@SUM(A1)",
    "\t\r\n",
    "x" * 5000,
    "2026-02-30",
    "99999-01-01",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


@pytest.fixture
def demo(app):
    return seed_walk_demo()


# -- the probe's findings --------------------------------------------------------------

QUERY_CASES = [
    f"/target/{HUGE}",
    f"/evaluasi/{HUGE}/surat.pdf",
    f"/skp/{HUGE}/pegawai/{HUGE}",
    f"/surat/tim?periode={HUGE}",
    "/surat/tim?periode=%C2%B2",
    "/surat/tim?periode=-1",
    f"/surat/rekap?periode={HUGE}",
    f"/admin/pengalihan/cari?exclude={HUGE}",
    f"/admin/pengalihan/cari?exclude=1,{HUGE},%C2%B2,-3&q=a",
    f"/admin/pengalihan/cari?selected={HUGE}",
    f"/admin/pemantauan?periode={HUGE}",
    f"/admin/pemantauan/ekspor.xlsx?unit={HUGE}",
    f"/admin/pemantauan/ekspor.xlsx?unit=%C2%B2&periode={HUGE}",
    f"/admin/pegawai?page={HUGE}",
    f"/admin/pengalihan?page={HUGE}",
    f"/admin/log-audit?nomor={HUGE}&objek=Target",
    f"/admin/log-audit?setelah={HUGE}",
    "/admin/log-audit?setelah=" + "9" * 100_000,
    f"/laporan/bulan?bulan={HUGE}",
    "/laporan?tanggal=99999-01-01",
    "/admin/pegawai?q=%00",
    "/admin/pengalihan/cari?q=a%00b",
    "/cek-surat?kode=%00",
    "/cek-surat/AAAA%00",
]


def test_out_of_range_and_malformed_url_values(app, demo, make_client, subtests):
    roles, _job = demo
    clients = [
        make_client() if who is None else signed_in(make_client(), who) for who in roles.values()
    ]
    before = table_state()
    for url in QUERY_CASES:
        with subtests.test(url=url[:80]):
            for client in clients:
                response = client.get(url)
                assert response.status_code < 500, (url[:80], response.status_code)
    assert table_state() == before


def test_a_nul_in_the_query_string_is_refused_in_words(app, demo, make_client):
    roles, _job = demo
    response = signed_in(make_client(), roles["admin"]).get("/admin/pegawai?q=a%00")
    assert response.status_code == 422
    assert str(CONTROL_CHARACTERS) in response.get_data(as_text=True)


# -- every form the pages show ---------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and the fields with their shown values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form" and a.get("method", "").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._fields.setdefault(a["name"], a.get("value", ""))
            else:
                self._fields[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._fields[a["name"]] = ""
            self._textarea = a["name"]
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and self._select not in self._fields:
            self._fields[self._select] = a.get("value", "")

    def handle_data(self, data) -> None:
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


# Posting these would end the fuzzing client's session, not test an input.
SKIP_ACTIONS = re.compile(r"^/(keluar|kata-sandi)$")


DOWNLOADS = re.compile(r"\.(pdf|csv|xlsx)$|/unduh$|^/bukti/")
PER_SHAPE = 3  # pages crawled per URL shape (its digits replaced)


def collect_forms(app, clients) -> list[tuple[str, str, dict[str, str]]]:
    """(role, action, fields) of every POST form on the pages each role reaches: every
    GET route with the demo's ids, and the links followed from there."""
    found: dict[tuple[str, str, tuple], tuple[str, str, dict]] = {}
    for role, client in clients.items():
        queue, seen, shapes = list(get_urls(app)), set(), {}
        while queue:
            url = queue.pop(0)
            shape = re.sub(r"\d+", "N", urlsplit(url).path)
            if url in seen or DOWNLOADS.search(urlsplit(url).path):
                continue
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            seen.add(url)
            shapes[shape] = shapes.get(shape, 0) + 1
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            queue.extend(link for link in parser.links if link not in seen)
            for action, fields in parser.forms:
                path = urlsplit(action).path or url
                if SKIP_ACTIONS.match(path):
                    continue
                fields.pop("csrf_token", None)
                key = (role, path, tuple(sorted(fields)))
                found.setdefault(key, (role, action or url, fields))
    return list(found.values())


@pytest.fixture
def forms(app, demo, make_client):
    roles, _job = demo
    clients = {
        role: signed_in(make_client(), who) for role, who in roles.items() if who is not None
    }
    return clients, collect_forms(app, clients)


def test_the_pages_show_the_forms_to_fuzz(forms):
    _clients, found = forms
    actions = {action for _role, action, _fields in found}
    assert len(found) > 20
    for wanted in ("/komentar", "/laporan", "/admin/pegawai/baru", "/aksi/", "/verifikasi/"):
        assert any(wanted in a for a in actions), wanted


def _post(client, action, data, htmx):
    return client.post(action, data, htmx=htmx)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_answers_5xx_and_a_refusal_writes_nothing(forms, data):
    clients, found = forms
    role, action, fields = data.draw(st.sampled_from(found), label="form")
    posted = dict(fields)
    names = sorted(posted) or ["x"]
    for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3), label="f"):
        posted[name] = data.draw(values, label=name)
    htmx = data.draw(st.booleans(), label="htmx")
    before = table_state()
    response = _post(clients[role], action, posted, htmx)
    assert response.status_code < 500, (role, action, posted, response.status_code)
    if response.status_code >= 400:
        assert table_state() == before, (role, action, posted, response.status_code)


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb"])
def test_a_control_character_in_any_text_field_is_refused_in_words(forms, value):
    """Every text field of every form: the form is refused and nothing is written."""
    clients, found = forms
    checked = 0
    for role, action, fields in found:
        for name in fields:
            if name in ("version", "view", "csrf_token") or name.endswith("_id"):
                continue
            before = table_state()
            response = _post(clients[role], action, {**fields, name: value}, True)
            assert response.status_code < 500, (role, action, name)
            if response.status_code >= 400:
                assert table_state() == before, (role, action, name)
            checked += 1
    assert checked > 50
