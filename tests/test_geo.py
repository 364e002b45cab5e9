"""PSČ → obec, okres, kraj (crmctl.geo)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crmctl import geo
from crmctl.geo import PscPlace, lookup_psc, region_for

KRAJE = {
    "Hlavní město Praha",
    "Středočeský kraj",
    "Jihočeský kraj",
    "Plzeňský kraj",
    "Karlovarský kraj",
    "Ústecký kraj",
    "Liberecký kraj",
    "Královéhradecký kraj",
    "Pardubický kraj",
    "Kraj Vysočina",
    "Jihomoravský kraj",
    "Olomoucký kraj",
    "Moravskoslezský kraj",
    "Zlínský kraj",
}


@pytest.mark.parametrize("psc", ["110 00", "11000"])
def test_praha(psc: str) -> None:
    assert lookup_psc(psc) == PscPlace(
        psc="110 00", obec="Praha", okres="Hlavní město Praha", kraj="Hlavní město Praha"
    )
    assert region_for(psc) == "Hlavní město Praha"


def test_brno() -> None:
    place = lookup_psc("602 00")
    assert place is not None
    assert (place.obec, place.okres, place.kraj) == ("Brno", "Brno-město", "Jihomoravský kraj")
    assert region_for("60200", "Brno-střed") == "Jihomoravský kraj"


def test_full_kraj_names() -> None:
    assert region_for("586 01") == "Kraj Vysočina"  # Jihlava
    assert region_for("760 01") == "Zlínský kraj"  # Zlín
    assert region_for("261 01", "Příbram") == "Středočeský kraj"
    assert {row.kraj for rows in geo._table().values() for row in rows} == KRAJE


# 252 26 covers Praha (Hlavní město Praha) and Třebotov, Černošice, ... (Praha-západ).
@pytest.mark.parametrize("city", ["Praha", "PRAHA", "Praha 5", "Praha 5 - Lipence", "praha-5"])
def test_psc_spanning_two_kraje_picks_praha_by_city(city: str) -> None:
    place = lookup_psc("252 26", city)
    assert place is not None
    assert (place.obec, place.kraj) == ("Praha", "Hlavní město Praha")


@pytest.mark.parametrize("city", ["Třebotov", "trebotov", "TŘEBOTOV", "Kosoř", "Černošice"])
def test_psc_spanning_two_kraje_picks_stredocesky_by_city(city: str) -> None:
    place = lookup_psc("25226", city)
    assert place is not None
    assert place.okres == "Praha-západ"
    assert place.kraj == "Středočeský kraj"


def test_psc_spanning_two_kraje_without_city_takes_commonest_kraj() -> None:
    # 252 26: six parts of municipalities in Středočeský kraj, one in Praha.
    assert region_for("252 26") == "Středočeský kraj"
    assert region_for("252 26", "Nowhere") == "Středočeský kraj"
    # 149 00: four parts of Praha, one of Jesenice (Praha-západ).
    assert region_for("149 00") == "Hlavní město Praha"
    assert region_for("149 00", "Jesenice") == "Středočeský kraj"


def test_another_psc_spanning_two_kraje() -> None:
    # 788 33: Hanušovice, Malá Morava (Šumperk) and Králíky (Ústí nad Orlicí).
    assert region_for("788 33") == "Olomoucký kraj"
    assert region_for("788 33", "Králíky") == "Pardubický kraj"
    assert region_for("788 33", "Hanušovice") == "Olomoucký kraj"


def test_lookup_is_deterministic() -> None:
    assert {lookup_psc("252 26") for _ in range(5)} == {lookup_psc("252 26")}


@pytest.mark.parametrize("psc", ["999 99", "00000", "123 45"])
def test_unknown_psc(psc: str) -> None:
    assert lookup_psc(psc) is None
    assert region_for(psc, "Praha") is None


@pytest.mark.parametrize("psc", ["", "abc", "1100", "110 000"])
def test_malformed_psc_is_unknown(psc: str) -> None:
    assert lookup_psc(psc) is None


def test_alias() -> None:
    assert geo.lookup is lookup_psc


def test_table_not_read_at_import() -> None:
    code = "import crmctl.geo as g; assert g._table.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_table_covers_every_psc_of_the_source() -> None:
    # Speed of loading is measured in bench/, never asserted in a test.
    assert len(geo._table()) > 2500
