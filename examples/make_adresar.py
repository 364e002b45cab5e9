"""Writes ``examples/adresar.xlsx``: a hand-kept Czech contact list, as messy as real ones.

Run ``.venv/bin/python examples/make_adresar.py`` to rebuild it. What it contains:
a title row and a blank row above the header; Czech headers; IČO typed as a number that
lost its leading zeros; the same firm spelled three ways; phones in five formats;
titles in names; one person at two firms; a blank row; a row with a bad IČO, one
with nothing but a broken e-mail (both rejected); a bad phone and a bad e-mail (dropped
with a warning); an unknown column (a custom field); and a second sheet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = [
    "Firma", "IČO", "Kontaktní osoba", "Funkce", "E-mail", "Telefon", "Mobil", "Ulice",
    "Město", "PSČ", "Obchodník", "Poznámka", "Zákazníkem od", "Obrat (Kč)",
]  # fmt: skip
ROWS = [
    ["Strojírny Dvořák s.r.o.", 27184315, "Ing. Karel Dvořák", "jednatel",
     "Karel.Dvorak@Strojirny-Dvorak.cz", "603 111 222", "+420 271 123 456",
     "Průmyslová 12", "Praha 10", "10200", "petr.kral", "klíčový zákazník",
     date(2015, 4, 1), "1 250 000,50"],
    ["STROJÍRNY DVOŘÁK, S. R. O.", "27184315", "Lucie Černá", "asistentka",
     "lucie.cerna@strojirny-dvorak.cz", "00420603111223", None, None, None, None, None,
     None, None, None],
    ["Strojírny Dvořák spol. s r.o.", None, "Mgr. Martin Svoboda", "vedoucí nákupu",
     "martin.svoboda@strojirny-dvorak.cz", "777-888-999", None, None, None, None, None,
     "preferuje e-mail", None, None],
    [None] * 14,
    ["Obecní úřad Lhota", 6947, "Věra Kolářová", "starostka", "starostka@lhota.cz",
     "+420 543 210 987", None, "Náves 1", "Lhota", "763 02", "eva.mala", None,
     date(2019, 9, 15), None],
    ["Pekárna U Nováků a.s.", 45612374, "Jan Novák", "ředitel", "jan.novak@pekarna-novak.cz",
     "543210988", "608 123 456", "Náměstí Svobody 3", "Brno", "602 00", "eva.mala",
     "dodávky každé pondělí", date(2021, 1, 10), "380000"],
    ["Pekárna U Nováků a.s.", 45612374, "Ing. Petra Nováková, Ph.D.", "technoložka",
     "petra@pekarna-novak.cz", "12", None, None, None, None, None, None, None, None],
    ["Kovo Hradec v.o.s.", None, "Mgr. Martin Svoboda", "externí nákupčí",
     "martin.svoboda@strojirny-dvorak.cz", None, None, "Kovářská 5", "Hradec Králové",
     "50002", None, "stejný člověk jako u Dvořáka", None, None],
    ["Kovo Hradec v.o.s.", None, "Tomáš Veselý", "mistr", "tomas.vesely@kovo-hradec",
     "+420 495 111 222", None, None, None, None, None, None, None, None],
    ["Firma s překlepem v IČO s.r.o.", 12345678, "Karel Zlý", None, "karel@zly.cz", None,
     None, None, None, None, None, None, None, None],
    [None, None, None, None, "neplatny-email", None, None, None, None, None, None, None,
     None, None],
]  # fmt: skip
SUPPLIERS = [
    ["Firma", "IČO", "Jméno", "Příjmení", "E-mail", "Telefon"],
    ["ŽELEZÁRNA Kůň spol. s r.o.", "25596641", "Šárka", "Koňová", "sarka@zelezarna-kun.cz",
     "602 555 444"],
]  # fmt: skip


def build(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Zákazníci"
    sheet.append(["Adresář zákazníků – obchodní oddělení"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(HEADERS)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in ROWS:
        sheet.append(row)
    for cell in sheet["M"][3:]:
        cell.number_format = "d.m.yyyy"
    suppliers = workbook.create_sheet("Dodavatelé")
    for row in SUPPLIERS:
        suppliers.append(row)
    workbook.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name("adresar.xlsx"))
