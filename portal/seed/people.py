"""Generators of realistic Indonesian civil servants: names, titles and valid NIPs."""

from __future__ import annotations

import random
from dataclasses import dataclass

from portal.nip import parse

MALE = [
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Fajar",
    "Hendra",
    "Imam",
    "Joko",
    "Kurniawan",
    "Lukman",
    "Muhammad",
    "Nur",
    "Rudi",
    "Slamet",
    "Teguh",
    "Wahyu",
    "Yusuf",
    "Andi",
    "Bambang",
    "Dimas",
    "Rizky",
    "Arif",
    "Hadi",
    "Sutrisno",
    "Gilang",
    "Bayu",
    "Yoga",
    "Ilham",
    "Herman",
    "Ahmad",
]
FEMALE = [
    "Ani",
    "Dewi",
    "Endang",
    "Fitri",
    "Indah",
    "Kartika",
    "Lestari",
    "Maya",
    "Nurul",
    "Putri",
    "Ratna",
    "Sri",
    "Tri",
    "Wulan",
    "Yuni",
    "Siti",
    "Rina",
    "Diah",
    "Ayu",
    "Nining",
    "Retno",
    "Sari",
    "Anisa",
    "Citra",
    "Eka",
    "Lina",
    "Novi",
    "Wahyuni",
    "Rahmawati",
    "Intan",
]
FAMILY = [
    "Santoso",
    "Wibowo",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Setiawan",
    "Nugroho",
    "Kusuma",
    "Rahman",
    "Purnomo",
    "Susanto",
    "Handayani",
    "Wulandari",
    "Suryani",
    "Permatasari",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Lubis",
    "Sitompul",
    "Tanjung",
    "Effendi",
    "Syahputra",
    "Gunawan",
    "Prasetyo",
    "Firmansyah",
    "Maulana",
    "Hakim",
    "Ramadhan",
    "Wijaya",
    "Utomo",
    "Hartono",
    "Suharto",
    "Sulistyo",
    "Anggraini",
    "Fauzi",
    "Iskandar",
]
BACHELOR = ["S.E.", "S.H.", "S.Sos.", "S.Kom.", "S.T.", "S.I.P.", "S.Pd.", "S.AP.", "S.Psi."]
MASTER = ["M.M.", "M.Si.", "M.A.P.", "M.H.", "M.Kom.", "M.T.", "M.Ec.Dev."]


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    gelar_depan: str
    gelar_belakang: str


class PersonFactory:
    """Makes people whose NIPs are valid and unique within one factory."""

    def __init__(self, seed: int, first_sequence: int = 1) -> None:
        self.rng = random.Random(seed)
        self.sequence = first_sequence
        self.used: set[str] = set()

    def person(self, education: str, min_age: int = 24, max_age: int = 58) -> Person:
        rng = self.rng
        female = rng.random() < 0.48
        given = rng.choice(FEMALE if female else MALE)
        name = f"{given} {rng.choice(FAMILY)}"
        if rng.random() < 0.3:
            name = f"{rng.choice(FEMALE if female else MALE)} {name}"
        birth_year = 2026 - rng.randint(min_age, max_age)
        birth = (birth_year, rng.randint(1, 12), rng.randint(1, 28))
        earliest = birth_year + 22
        appointment_year = rng.randint(earliest, max(earliest, min(2024, birth_year + 35)))
        self.sequence += 1
        digits = (
            f"{birth[0]:04d}{birth[1]:02d}{birth[2]:02d}"
            f"{appointment_year:04d}{rng.randint(1, 12):02d}"
            f"{2 if female else 1}{self.sequence % 1000:03d}"
        )
        # Several people may share a birth date and TMT; shift the sequence until unique.
        digits = self._unique(digits)
        parse(digits)  # never emit an invalid NIP
        depan, belakang = self._titles(education)
        return Person(digits, name, depan, belakang)

    def _unique(self, digits: str) -> str:
        candidate, bump = digits, 0
        while candidate in self.used:
            bump += 1
            candidate = f"{digits[:15]}{(int(digits[15:]) + bump) % 1000:03d}"
        self.used.add(candidate)
        return candidate

    def _titles(self, education: str) -> tuple[str, str]:
        rng = self.rng
        if education == "doktor":
            return "Dr.", f"{rng.choice(BACHELOR)}, {rng.choice(MASTER)}"
        if education == "magister":
            return ("Drs." if rng.random() < 0.15 else ""), (
                f"{rng.choice(BACHELOR)}, {rng.choice(MASTER)}"
            )
        if education == "sarjana":
            return "", rng.choice(BACHELOR)
        if education == "diploma":
            return "", "A.Md."
        return "", ""
