"""The one vocabulary: every label in the three languages, every key the code asks for
exists, one reading of a language code."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

import vocabulary as i18n

ROOT = Path(__file__).resolve().parent.parent
USERS = ("dashboard", "report", "loanflow")  # the packages that show words
KEY_CALL = re.compile(r"""\bt\(\s*(?:f?)["']([a-z_.]+)["']""")
LABEL_CALL = re.compile(r"""label\(\s*["']([a-z_.]+)["']""")


def test_every_message_has_all_languages_and_no_empty_text() -> None:
    for key, entry in i18n.MESSAGES.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key


# Values only the English shows: the Chinese names them in its own words (the outcomes
# approved, rejected and withdrawn as 核准、拒絕、撤回).
ENGLISH_ONLY_VALUES = {"error.profile_outcome": {"outcomes"}}


def _fields(text: str) -> set[str]:
    """The values a text shows ({name}, {name!r}, {name:,} alike)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_placeholders_agree_across_languages() -> None:
    for key, entry in i18n.MESSAGES.items():
        names = {lang: _fields(text) for lang, text in entry.items()}
        english = names["en"] - ENGLISH_ONLY_VALUES.get(key, set())
        assert english == names["zh-Hant"] == names["zh-Hans"], key


def test_every_key_used_in_the_dashboard_report_and_cli_exists() -> None:
    used: set[str] = set()
    for package in USERS:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            used |= set(KEY_CALL.findall(text)) | set(LABEL_CALL.findall(text))
    for path in (ROOT / "report" / "templates").glob("*.j2"):  # t("x") there is report.x
        keys = KEY_CALL.findall(path.read_text(encoding="utf-8"))
        used |= {k if "." in k else f"report.{k}" for k in keys}
    assert {"report.title", "report.fell", "admin.title", "overview.title"} <= used, "missed keys"
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert missing == []


def test_simplified_and_traditional_differ_where_the_script_does() -> None:
    assert i18n.t("nav.process_map", "zh-Hant") == "流程圖"
    assert i18n.t("nav.process_map", "zh-Hans") == "流程图"


def test_language_codes_are_normalised() -> None:
    assert i18n.normalise_language("zh-CN") == "zh-Hans"
    assert i18n.normalise_language("zh_sg") == "zh-Hans"
    assert i18n.normalise_language("zh-Hans-CN") == "zh-Hans"
    assert i18n.normalise_language("zh-TW") == "zh-Hant"
    assert i18n.normalise_language("zh-hk") == "zh-Hant"
    assert i18n.normalise_language("zh-Hant-TW") == "zh-Hant"
    assert i18n.normalise_language(["zh-Hans"]) == "zh-Hans"
    assert i18n.normalise_language("de") == "en"
    assert i18n.normalise_language("en-GB") == "en"
    assert i18n.normalise_language(None) == "en"


def test_bare_zh_means_traditional_everywhere() -> None:
    """One reading of ``zh`` (Traditional): the dashboard, the sign-in page and the report
    used to disagree (the sign-in page read it as Simplified)."""
    assert i18n.normalise_language("zh") == "zh-Hant"
    assert i18n.normalise_language("ZH") == "zh-Hant"
    assert i18n.normalise_language("zh", strict=True) == "zh-Hant"


def test_strict_reading_refuses_an_unknown_code_and_names_the_good_ones() -> None:
    with pytest.raises(i18n.UnknownLanguage, match="zh-Hant"):
        i18n.normalise_language("de", strict=True)
    assert i18n.normalise_language("en-US", strict=True) == "en"


def test_a_key_declared_twice_is_refused() -> None:
    from vocabulary.catalogue import _joined

    with pytest.raises(RuntimeError, match=r"nav\.overview"):
        _joined({"nav.overview": {}}, {"nav.overview": {}})


def test_number_duration_and_date_formats() -> None:
    assert i18n.fmt_number(1234567.891, "en", 1) == "1,234,567.9"
    assert i18n.fmt_share(0.1234, "zh-Hant") == "12.3%"
    assert i18n.fmt_points(-0.065, "en") == "-6.5 pp"
    assert i18n.fmt_points(0.02, "zh-Hans") == "+2.0 个百分点"
    # durations in hours whatever their size (one unit per figure); a hint in days beside
    assert i18n.fmt_in_hours(0.5, "en") == "0.5 h"
    assert i18n.fmt_in_hours(30, "zh-Hant") == "30.0 小時"
    assert i18n.fmt_in_hours(1234.56, "en") == "1,234.6 h"
    assert i18n.fmt_in_hours(None, "en") == "–"
    assert i18n.fmt_in_hours(float("nan"), "en") == "–"
    assert i18n.fmt_days_hint(185.3, "en") == "≈ 7.7 d"
    assert i18n.fmt_days_hint(72, "zh-Hans") == "≈ 3.0 天"
    assert i18n.fmt_days_hint(47.9, "en") == i18n.fmt_days_hint(None, "en") == ""
    assert i18n.fmt_change(-0.3, "en") == "-30.0%"
    assert i18n.fmt_date(date(2026, 11, 8), "en") == "8 Nov 2026"
    assert i18n.fmt_date(date(2026, 11, 8), "zh-Hans") == "2026年11月8日"
    assert i18n.fmt_bytes(200 * 1024 * 1024, "en") == "200.0 MB"
    assert i18n.outcome_label("approved", "zh-Hant") == "核准"
    assert i18n.outcome_label("other", "en") == "other"


def test_every_outcome_has_one_name_in_each_language() -> None:
    from etl.outcomes import OUTCOME_KEYS

    names = {lang: [i18n.outcome_label(o, lang) for o in OUTCOME_KEYS] for lang in i18n.LANGUAGES}
    for lang, labels in names.items():
        assert len(set(labels)) == len(OUTCOME_KEYS), lang
        assert all(label not in OUTCOME_KEYS for label in labels) or lang == "en", lang
    assert names["zh-Hant"][0] == "核准" and names["zh-Hans"][0] == "批准"


def test_the_browser_gets_its_words_from_the_catalogue() -> None:
    from vocabulary.browser import browser_locales

    locales = browser_locales()
    assert locales["en"]["plotly"] is None and locales["en"]["grid"] == {}
    hant, hans = locales["zh-Hant"], locales["zh-Hans"]
    assert hant["grid"]["noRowsToShow"] == i18n.t("grid.noRowsToShow", "zh-Hant") == "沒有資料"
    assert hans["grid"]["pageSizeSelectorLabel"] == "每页行数："
    assert hant["plotly"]["name"] == "zh-TW" and hans["plotly"]["name"] == "zh-CN"
    assert hant["plotly"]["format"]["shortMonths"][2] == "3月"
    assert hans["plotly"]["dictionary"]["Download plot as a png"].startswith("下载")
    assert hant["month_caption"].format(year=2025, month=3) == "2025年3月"
    assert len(hant["short_weekdays"]) == 7


def test_a_loads_progress_reads_in_chinese(tmp_path: Path) -> None:
    """Every step a real load reports (its progress bar on the Data page) in Chinese; the
    file it reads named as it is."""
    from dashboard.views.data_page import load_step
    from etl.load import ingest
    from tests.test_dashboard_fixtures import write_log, write_profile

    said: list[str] = []
    log = write_log(tmp_path, "貸款.csv")
    ingest(log, "x", db=tmp_path / "s.duckdb", profile=write_profile(tmp_path),
           progress=lambda _fraction, message: said.append(message))  # fmt: skip
    assert len(said) >= 6
    for lang in ("zh-Hant", "zh-Hans"):
        shown = [load_step(message, lang) for message in said]
        assert not [m for m in shown if re.search(r"[A-Za-z]", m.replace(log.name, ""))], shown
    assert load_step(said[0], "zh-Hant") == "讀取 貸款.csv"
