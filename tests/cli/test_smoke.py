from tests.conftest import Crm


def test_company_round_trip(crm: Crm) -> None:
    crm("companies", "add", "--name", "Acme s.r.o.", "--ico", "27082440", "--psc", "11000")
    [company] = crm.json("companies", "list")
    assert company["ico"] == "27082440"
    assert company["psc"] == "110 00"
    assert company["region"] == "Hlavní město Praha"
