"""Czech presentation, once: how a number, an amount, a date or a column header reads.

Every human-facing report output (terminal table, HTML, XLSX headers, the dashboard)
formats through here: ``1 250 000,50 Kč`` with non-breaking spaces, ``25,0 %``, dates
``7. 12. 2026``, Czech headers and status words. English comes with ``CRM_LANG=en`` or
``language: en`` in ``crmctl.yaml``. CSV and JSON never come here: they stay keys, ISO
dates and dot decimals, so that programs can read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

NBSP = "\u00a0"
LANGUAGES = ("cs", "en")
DEFAULT_LANGUAGE = "cs"
CURRENCY_SYMBOLS = {"CZK": "Kč", "EUR": "€", "USD": "$", "GBP": "£"}


def language(settings: Any = None) -> str:
    """``CRM_LANG`` over ``language:`` in crmctl.yaml over Czech; unknown values are Czech."""
    chosen = os.environ.get("CRM_LANG")
    if not chosen and settings is not None:
        setting = getattr(settings, "values", {}).get("language")
        chosen = str(setting.value) if setting is not None and setting.value else None
    code = (chosen or DEFAULT_LANGUAGE).strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


# --- numbers -------------------------------------------------------------------------------


def number(value: Any, places: int = 0, lang: str = DEFAULT_LANGUAGE) -> str:
    """``1250000.5`` → ``1 250 000,50`` (cs, non-breaking spaces) or ``1,250,000.50`` (en)."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{amount:,.{places}f}"
    if lang == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")


def money(value: Any, currency: str | None = "CZK", lang: str = DEFAULT_LANGUAGE) -> str:
    """``1 250 000,50 Kč``; English ``CZK 1,250,000.50``. Empty for no value."""
    if value is None:
        return ""
    code = currency or "CZK"
    if lang == "en":
        return f"{code}{NBSP}{number(value, 2, lang)}"
    return f"{number(value, 2, lang)}{NBSP}{CURRENCY_SYMBOLS.get(code, code)}"


def percent(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """``25,0 %`` (cs) or ``25.0%`` (en) for a number 0–100."""
    if value is None:
        return ""
    shown = number(value, 1, lang)
    return f"{shown}%" if lang == "en" else f"{shown}{NBSP}%"


def day(value: date | datetime | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """``7. 12. 2026`` (cs) or ``2026-12-07`` (en); a datetime shows its date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if lang == "en":
        return value.isoformat()
    return f"{value.day}. {value.month}. {value.year}"


# --- words ---------------------------------------------------------------------------------

# Column keys and status words of every report: (Czech, English).
WORDS: Mapping[str, tuple[str, str]] = {
    "month": ("Měsíc", "Month"),
    "week": ("Týden", "Week"),
    "period": ("Období", "Period"),
    "owner": ("Obchodník", "Owner"),
    "salesperson": ("Obchodník", "Salesperson"),
    "team": ("Tým", "Team"),
    "stage": ("Fáze", "Stage"),
    "pipeline": ("Pipeline", "Pipeline"),
    "currency": ("Měna", "Currency"),
    "deals": ("Obchody", "Deals"),
    "count": ("Počet", "Count"),
    "value": ("Hodnota", "Value"),
    "weighted": ("Vážená hodnota", "Weighted"),
    "avg_age_days": ("Průměrné stáří (dny)", "Avg age (days)"),
    "avg_days_in_stage": ("Průměrně dní ve fázi", "Avg days in stage"),
    "idle_over_10": ("Nečinné > 10 dní", "Idle > 10 days"),
    "reached": ("Dosáhlo", "Reached"),
    "conversion_prev": ("Konverze z předchozí", "Conversion from previous"),
    "conversion_first": ("Konverze z první", "Conversion from first"),
    "median_days": ("Medián dní", "Median days"),
    "lost": ("Prohráno", "Lost"),
    "won": ("Vyhráno", "Won"),
    "won_count": ("Vyhráno (počet)", "Won count"),
    "won_value": ("Vyhráno (hodnota)", "Won value"),
    "lost_count": ("Prohráno (počet)", "Lost count"),
    "win_rate": ("Úspěšnost (počet)", "Win rate (count)"),
    "win_rate_value": ("Úspěšnost (hodnota)", "Win rate (value)"),
    "cycle_median": ("Prodejní cyklus medián (dny)", "Sales cycle median (days)"),
    "cycle_mean": ("Prodejní cyklus průměr (dny)", "Sales cycle mean (days)"),
    "committed": ("Jisté", "Committed"),
    "likely": ("Pravděpodobné", "Likely"),
    "recurring": ("Opakované", "Recurring"),
    "open": ("Otevřený", "Open"),
    "total": ("Celkem", "Total"),
    "title": ("Název", "Title"),
    "expected_close": ("Očekávané uzavření", "Expected close"),
    "probability": ("Pravděpodobnost", "Probability"),
    # The campaign report (issue 19).
    "contacted": ("Dosáhlo kontaktu", "Reached contacted"),
    "qualified": ("Dosáhlo kvalifikace", "Reached qualified"),
    "converted": ("Převedeno", "Converted"),
    "rejected": ("Zamítnuto", "Rejected"),
    "median_response": ("Medián reakce (prac. min)", "Median response (business min)"),
    "deals_won": ("Obchody vyhrané", "Deals won"),
    "deals_lost": ("Obchody prohrané", "Deals lost"),
    "deals_open": ("Obchody otevřené", "Deals open"),
    "budget": ("Rozpočet", "Budget"),
    "cost_per_won": ("Náklad na vyhraný obchod", "Cost per won deal"),
    "return_on_budget": ("Návratnost rozpočtu", "Return on budget"),
    # Lead response, performance, targets and commissions (issue 17, people reports).
    "leads": ("Poptávky", "Leads"),
    "answered": ("Zodpovězeno", "Answered"),
    "median_minutes": ("Medián reakce (min)", "Median response (min)"),
    "p90_minutes": ("90. percentil (min)", "90th percentile (min)"),
    "within_sla": ("V rámci SLA", "Within SLA"),
    "breaches": ("Po SLA", "Breaches"),
    "unanswered_past_sla": ("Bez reakce po SLA", "Unanswered past SLA"),
    "source": ("Zdroj", "Source"),
    "campaign": ("Kampaň", "Campaign"),
    "lead": ("Poptávka", "Lead"),
    "received_at": ("Přijato", "Received"),
    "status": ("Stav", "Status"),
    "breach": ("Porušení", "Breach"),
    "late": ("pozdě", "late"),
    "unanswered": ("bez reakce", "unanswered"),
    "minutes": ("Reakce (min)", "Response (min)"),
    "over_sla": ("Nad SLA (min)", "Over SLA (min)"),
    "avg_won_deal": ("Průměrný vyhraný obchod", "Average won deal"),
    "calls": ("Hovory", "Calls"),
    "meetings": ("Schůzky", "Meetings"),
    "emails": ("E-maily", "E-mails"),
    "first_calls": ("První hovory", "First calls"),
    "first_meetings": ("První schůzky", "First meetings"),
    "new_deals": ("Nové obchody", "New deals"),
    "open_pipeline": ("Otevřená pipeline", "Open pipeline"),
    "won_value_target": ("Cíl: vyhraná hodnota", "Won value target"),
    "won_value_attainment": ("Plnění: vyhraná hodnota", "Won value attainment"),
    "won_count_target": ("Cíl: vyhrané obchody", "Won count target"),
    "won_count_attainment": ("Plnění: vyhrané obchody", "Won count attainment"),
    "new_deals_target": ("Cíl: nové obchody", "New deals target"),
    "new_deals_attainment": ("Plnění: nové obchody", "New deals attainment"),
    "first_meetings_target": ("Cíl: první schůzky", "First meetings target"),
    "first_meetings_attainment": ("Plnění: první schůzky", "First meetings attainment"),
    "calls_target": ("Cíl: hovory", "Calls target"),
    "calls_attainment": ("Plnění: hovory", "Calls attainment"),
    "plan": ("Plán", "Plan"),
    "commission": ("Provize", "Commission"),
    "effective_rate": ("Efektivní sazba", "Effective rate"),
    "deal": ("Obchod", "Deal"),
    "closed_on": ("Vyhráno dne", "Won on"),
    "rate": ("Sazba (%)", "Rate (%)"),
    "capped": ("Strop", "Capped"),
    "yes": ("ano", "yes"),
    "none": ("—", "—"),
}


def word(key: str, lang: str = DEFAULT_LANGUAGE, default: str | None = None) -> str:
    """The header or status word for ``key``; ``default`` (else the key) when unknown."""
    pair = WORDS.get(key)
    if pair is None:
        return default if default is not None else key
    return pair[1] if lang == "en" else pair[0]


def status(value: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A deal status ``open|won|lost`` as a word."""
    return word(value, lang) if value else ""
