"""Chinese screens speak Chinese: every page of the real dashboard, in 繁體中文 and 简体中文,
walked in headless Chromium with sign-in on, as an admin (the date picker open, a comparison
run and its HTML report downloaded and opened, a case chosen, a file uploaded and two refused
(a file type LoanFlow does not read, a log without the needed columns), a What if simulation
run, the Admin page's users and audit log with rows of many actions), fails on any word in
Latin letters that is not data (dataset, activity, department, resource, case, product, user
names from the store, an audit row's target) or one of a short list of units, acronyms and
proper nouns."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import accounts
from dashboard import data
from dashboard.app import create_app
from dashboard.browser import (
    allow_downloads,
    chromium,
    click,
    downloaded,
    serve_in_thread,
    wait_for,
    wait_idle,
)
from dashboard.demo import ensure_demo_data
from dashboard.jobs import RUNNER
from dashboard.views.whatif import KIND
from etl.load import ingest
from etl.store import close_shared, connect
from tests.test_browser_whatif import _small_log as small_log
from tests.test_browser_whatif import choose, type_number
from tests.test_dashboard_fixtures import ROWS, write_log

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/", "/map", "/handoffs", "/bottlenecks", "/waits", "/variants", "/cases",
         "/compare", "/conformance", "/data", "/whatif", "/admin")  # fmt: skip
WHATIF_DATASET = "small"  # a small log: the What if page simulates it in seconds
WHATIF_SECONDS = 300
# Units, acronyms and names that are the same in every language.
ALLOWED = {
    "LoanFlow", "SLA", "KPI", "P90", "CSV", "TSV", "HTML", "PNG", "BPMN", "YAML", "ECDF",
    "XES", "gz", "xlsx", "Excel", "Parquet", "UTF", "GB18030", "Big5", "CNY", "UTC",
    "p", "h", "d", "min", "KB", "MB", "GB", "B", "n", "z", "t", "V", "Cramér",
    "k", "M",  # plotly's thousands and millions on axes
    "English",  # the language menu names each language in itself
    # the report's eponymous methods keep their authors' surnames (every other word of
    # their names translated: Welch t 檢定, Cohen d 值)
    "Mood", "Welch", "Newcombe", "Benjamini", "Hochberg", "Cohen", "Cliff",
}  # fmt: skip
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ0-9'’]*")
# Every shown text node (commands in <code> are code, not words), chart text, the chart
# toolbar's titles and input placeholders (the profile box's YAML example is code too).
TEXT = """
const parts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    // code, and text boxes holding YAML (a scenario, a profile), are not words
    if (!parent || parent.closest('code, pre, script, style, svg, textarea')) { continue; }
    if (parent.getClientRects().length === 0) { continue; }  // not shown
    parts.push(node.textContent);
}
document.querySelectorAll('svg text').forEach(n => parts.push(n.textContent));
document.querySelectorAll('.modebar-btn[data-title]').forEach(
    n => parts.push(n.getAttribute('data-title')));
document.querySelectorAll('input[placeholder]').forEach(
    n => { if (n.offsetParent !== null) parts.push(n.placeholder); });
// A shown native file input draws the browser's own words, in the browser's language.
document.querySelectorAll('input[type=file]').forEach(n => {
    const box = n.getBoundingClientRect();
    const seen = Number(getComputedStyle(n).opacity) > 0.01;
    if (box.width > 1 && box.height > 1 && seen) { parts.push('Choose File  No file chosen'); }
});
return parts.join('\\n');
"""
# a kept prediction's id (p-4d608a6b4bf7), a name like a file's
PREDICTION_ID = re.compile(r"\bp-[0-9a-f]{8,}\b")
FILE_NAME = re.compile(r"\S*\.(bpmn|csv|tsv|xes|gz|xlsx|parquet|zip|yaml|html|docx)\b")


ADMIN = ("root", "a long enough password")
# Rows of the audit log the command line writes (the walk writes the dashboard's own: a
# failed and a good sign-in, an upload).
CLI_ROWS = (  # a failed load's message is read back in the reader's language
    ("alice@cli", "user-add", "ana", "role=analyst"),
    ("alice@cli", "user-role", "ana", "role=evaluator"),
    ("alice@cli", "user-signout", "ana", "2 sessions"),
    ("alice@cli", "load", "before", "replace (cli): done: 41,478 events, 2,000 cases, 0 rejected"),
    ("alice@cli", "delete", "old", "cli"),
    (
        "alice@cli",
        "load",
        "new",
        "create (cli): failed: p.csv has no data rows (only a header, "
        "or nothing). Export the log again.",
    ),
    ("ana", "refused", "/upload", "needs analyst"),
    ("ana", "export", "cases.csv", "2,000 rows"),
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, set[str]]]:
    folder = tmp_path_factory.mktemp("languages")
    db = folder / "store.duckdb"
    list(ensure_demo_data(db, ROOT / "sample_logs"))
    con = connect(db)
    profile = ROOT / "sample_logs" / "before.profile.yaml"
    ingest(small_log(folder, WHATIF_DATASET, 250, 7), WHATIF_DATASET, con=con, profile=profile)
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("LOANFLOW_CACHE_DIR", str(folder / "cache"))
    app = create_app(db, auth=True)
    with data.cursor() as con:
        accounts.add_user(con, *ADMIN, "admin")
        for user, action, target, detail in CLI_ROWS:
            accounts.audit(con, user, action, target, detail)
        values = {
            str(v)
            for (v,) in con.execute(
                "SELECT DISTINCT activity FROM activity_instances UNION "
                "SELECT DISTINCT department FROM activity_instances UNION "
                "SELECT DISTINCT resource FROM activity_instances UNION "
                "SELECT DISTINCT case_id FROM cases UNION SELECT DISTINCT product FROM cases "
                "UNION SELECT DISTINCT branch FROM cases UNION SELECT DISTINCT channel FROM cases "
                "UNION SELECT name FROM datasets UNION SELECT source FROM datasets"
            ).fetchall()
            if v is not None
        }
    data_words = {w for value in values | {ADMIN[0]} for w in WORD.findall(value)}
    with serve_in_thread(app) as url:
        yield url, data_words
    for job in RUNNER.jobs(KIND):  # a simulation left running must not outlive the test
        RUNNER.cancel(job.id)
        job.ended.wait(60)
    close_shared(db)
    mp.undo()


@pytest.fixture(scope="module")
def driver(served: tuple[str, set[str]]) -> Iterator[Any]:
    """A browser signed in as the admin, after one failed try (a row of its own)."""
    from selenium.webdriver.common.by import By

    with chromium() as browser:
        for password in ("a wrong guess", ADMIN[1]):
            browser.get(served[0] + "/login")
            browser.find_element(By.ID, "username").send_keys(ADMIN[0])
            browser.find_element(By.ID, "password").send_keys(password)
            browser.find_element(By.ID, "sign-in").click()
            time.sleep(0.5)
        wait_for(lambda: "/login" not in browser.current_url)
        yield browser


def audit_words() -> set[str]:
    """The words of the audit log's data: user names, targets (paths, files, datasets) and
    client addresses, as they were written."""
    with data.cursor() as con:
        rows = con.execute("SELECT username, target, remote_addr FROM audit_log").fetchall()
    return {w for row in rows for value in row if value for w in WORD.findall(str(value))}


def latin_words(text: str, data_words: set[str]) -> dict[str, str]:
    """Latin-letter words of ``text`` that are neither data nor allowed, with a context."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        for word in WORD.findall(PREDICTION_ID.sub("", FILE_NAME.sub("", line))):
            if word in ALLOWED or word in data_words or word.isdigit():
                continue
            found.setdefault(word, line.strip()[:120])
    return found


def _open(driver: Any, url: str) -> None:
    driver.get(url)
    wait_idle(driver, timeout=90)


def _screen_text(driver: Any) -> str:
    return str(driver.execute_script(TEXT))


def _walk(driver: Any, base: str, lang: str) -> dict[str, dict[str, str]]:
    """Every page's words (and what a user opens on them) that are in Latin letters."""
    from selenium.webdriver.common.by import By

    seen: dict[str, str] = {}
    for path in PAGES:
        dataset = WHATIF_DATASET if path == "/whatif" else "before"
        _open(driver, f"{base}{path}?dataset={dataset}&lang={lang}")
        texts = [_screen_text(driver)]
        if path == "/":  # the date picker's calendar
            driver.find_element(By.CSS_SELECTOR, "#filter-period input").click()
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".CalendarMonth_caption"))
            time.sleep(0.5)
            texts.append(_screen_text(driver))
            driver.find_element(By.TAG_NAME, "h3").click()
        if path == "/compare":
            button = driver.find_element(By.ID, "compare-run")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
            button.click()
            wait_for(
                lambda: driver.find_elements(By.CSS_SELECTOR, "#compare-forest .main-svg"), 120
            )
            wait_idle(driver, timeout=90)
            texts.append(_screen_text(driver))
            texts.append(_report_text(driver))
        if path == "/whatif":
            texts += _whatif_texts(driver, base, lang)
        if path == "/data":
            texts += _data_page_texts(driver)
        if path == "/admin":  # the users and the audit log, filled by their callback
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#admin-audit-grid .ag-row"))
            wait_idle(driver, timeout=60)
            texts = [_screen_text(driver)]
            DATA_WORDS[0] |= audit_words()
            assert len(driver.find_elements(By.CSS_SELECTOR, "#admin-audit-grid .ag-row")) >= 10
        if path == "/cases":
            row = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#cases-grid .ag-row"))
            row[0].click()
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#cases-timeline .main-svg"))
            wait_idle(driver, timeout=60)
            texts.append(_screen_text(driver))
        for text in texts:
            for word, context in latin_words(text, DATA_WORDS[0]).items():
                seen.setdefault(word, f"{path}: {context}")
    return seen


DATA_WORDS: list[set[str]] = [set()]
UPLOADS: list[Path] = []
DOWNLOADS: list[str] = []


def _data_page_texts(driver: Any) -> list[str]:
    """Upload a log: the mapping line and preview; load it under a taken name: the
    Replace / Append / Cancel question; cancel, then load without a name: an error."""
    from selenium.webdriver.common.by import By

    field = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "input.lf-upload"))[0]
    field.send_keys(str(UPLOADS[0]))
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#data-preview .ag-row"))
    wait_idle(driver, timeout=60)  # the mapping step renders after the preview, moving buttons
    texts = [_screen_text(driver)]
    name = driver.find_element(By.ID, "data-name")
    name.clear()
    name.send_keys("before")
    click(driver, "#data-load")
    wait_for(lambda: driver.find_element(By.ID, "data-exists").is_displayed())
    texts.append(_screen_text(driver))
    click(driver, "#data-exists-cancel")
    wait_for(lambda: not driver.find_element(By.ID, "data-exists").is_displayed())
    name.clear()
    name.send_keys(" ")
    click(driver, "#data-load")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#data-load-status .lf-error"))
    texts.append(_screen_text(driver))
    # a file LoanFlow does not read, refused at upload; a log without the needed columns,
    # refused at the mapping step
    refusals = ((UPLOADS[1], "#data-upload-status", UPLOADS[1].name),
                (UPLOADS[2], "#data-mapping", "foo, bar"))  # fmt: skip
    for bad, where, value in refusals:
        field = driver.find_elements(By.CSS_SELECTOR, "input.lf-upload")[0]
        field.send_keys(str(bad))
        alert = wait_for(lambda w=where: driver.find_elements(By.CSS_SELECTOR, f"{w} .lf-error"))
        assert value in alert[0].text  # the message names what it found
        wait_idle(driver, timeout=60)
        texts.append(_screen_text(driver))
    return texts


def _report_text(driver: Any) -> str:
    """The comparison's HTML report, downloaded from the page and opened as a reader would."""
    folder = Path(DOWNLOADS[0])
    for old in folder.glob("*"):
        old.unlink()
    allow_downloads(driver, str(folder))
    click(driver, "#compare-report")
    downloaded(str(folder), "loanflow-comparison.html", timeout=120)
    driver.get((folder / "loanflow-comparison.html").as_uri())
    wait_for(lambda: driver.find_elements("css selector", ".js-plotly-plot .main-svg"), 60)
    time.sleep(1)
    return _screen_text(driver)


def _whatif_texts(driver: Any, base: str, lang: str) -> list[str]:
    """The What if page after a simulation of a head-count change has run."""
    from selenium.webdriver.common.by import By

    choose(driver, "whatif-staff-dept", "風險管理部")
    type_number(driver, "whatif-staff", "2")
    type_number(driver, "whatif-runs", "2")
    click(driver, "#whatif-write")
    click(driver, "#whatif-run")

    def finished() -> bool:
        if driver.find_elements(By.CSS_SELECTOR, "#whatif-table .ag-row"):
            return True
        failed = driver.find_elements(By.CSS_SELECTOR, "#whatif-body .alert-danger")
        assert not failed, failed[0].text
        return False

    wait_for(finished, WHATIF_SECONDS)
    wait_idle(driver, timeout=60)
    return [_screen_text(driver)]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_chinese_screens_have_no_english(
    driver: Any, served: tuple[str, set[str]], lang: str, tmp_path: Path
) -> None:
    base, DATA_WORDS[0] = served[0], served[1]
    junk = tmp_path / "備註.docx"
    junk.write_bytes(b"not a log")
    no_ids = tmp_path / "匯出.csv"
    no_ids.write_text("foo,bar\n1,2\n", encoding="utf-8")
    UPLOADS[:] = [write_log(tmp_path, "上傳.csv"), junk, no_ids]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    DOWNLOADS[:] = [str(downloads)]
    DATA_WORDS[0] |= {w for row in ROWS for v in row for w in WORD.findall(str(v))}
    DATA_WORDS[0] |= {"foo", "bar"}  # the columns of the log refused for lacking the needed ones
    english = _walk(driver, base, lang)
    assert english == {}, "\n".join(f"{w!r} in {c}" for w, c in sorted(english.items()))


NATIVE_FILE_INPUTS = """
return Array.from(document.querySelectorAll('input[type=file]')).filter(n => {
    const box = n.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && Number(getComputedStyle(n).opacity) > 0.01;
}).length;
"""


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_file_choosers_speak_the_page_language(
    driver: Any, served: tuple[str, set[str]], lang: str, tmp_path: Path
) -> None:
    """The Data and Conformance pages' file choosers: no native file input shows (its
    "Choose File" follows the browser, not the page), a button and the chosen file's name
    in the page's language instead; choosing a file still uploads it, and a file refused
    on the Conformance page says why (it said nothing before)."""
    from selenium.webdriver.common.by import By

    words = {"zh-Hant": ("選擇檔案…", "尚未選擇檔案"), "zh-Hans": ("选择文件…", "尚未选择文件")}
    for path in ("/data", "/conformance"):
        _open(driver, f"{served[0]}{path}?dataset=before&lang={lang}")
        button = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".lf-upload-button"))
        assert driver.execute_script(NATIVE_FILE_INPUTS) == 0, path
        assert button[0].text == words[lang][0]
        name = driver.find_element(By.CSS_SELECTOR, ".lf-upload-name")
        assert name.text == words[lang][1]
    _open(driver, f"{served[0]}/data?dataset=before&lang={lang}")
    field = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "input.lf-upload"))[0]
    field.send_keys(str(write_log(tmp_path, "選的檔.csv")))
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#data-preview .ag-row"))
    assert driver.find_element(By.CSS_SELECTOR, ".lf-upload-name").text == "選的檔.csv"
    # a file the Conformance page's chooser cannot take says so, in the page's language
    _open(driver, f"{served[0]}/conformance?dataset=before&lang={lang}")
    junk = tmp_path / "備註.docx"
    junk.write_bytes(b"not a model")
    field = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "input.lf-upload"))[0]
    field.send_keys(str(junk))
    alert = wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#conformance-upload-status .lf-error")
    )
    said = {
        "zh-Hant": "「備註.docx」不是 LoanFlow 可讀的檔案",
        "zh-Hans": "“備註.docx”不是 LoanFlow 可读的文件",
    }
    assert said[lang] in alert[0].text


def test_the_check_finds_english() -> None:
    """The word filter itself: an English label fails, data and units pass."""
    found = latin_words(
        "週期時間 Median cycle time 3.1 h\n信貸部 before SLA p-4d608a6b4bf7", {"before"}
    )
    assert set(found) == {"Median", "cycle", "time"}
