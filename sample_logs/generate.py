"""Generate one sample log file: simulate a scenario and write it (the library behind
``loanflow generate``)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from etl.errors import BadInputError
from sample_logs import names
from sample_logs.engine import simulate
from sample_logs.scenarios import SCENARIOS
from sample_logs.tables import LAYOUTS, Layout
from sample_logs.writers import ENCODINGS, FORMATS, Format, format_from_path, write_log

DEFAULT_START = date(2025, 3, 3)
ENGLISH_DEPARTMENTS = {english.lower(): chinese for chinese, english in names.DEPARTMENTS.items()}


@dataclass(frozen=True)
class GenerateSummary:
    """What one generation produced and how fast."""

    scenario: str
    path: Path
    format: str
    layout: str
    cases: int
    events: int  # lifecycle events (a start and a complete per activity instance)
    rows: int  # rows written (events, or activity instances in the instance layout)
    seconds: float

    @property
    def rate(self) -> float:
        """Events generated and written per second."""
        return self.events / self.seconds if self.seconds > 0 else float("inf")

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        return (
            f"{self.scenario}: {self.cases:,} cases, {self.events:,} events "
            f"({self.rows:,} rows, {self.layout} layout) in {self.seconds:.2f} s "
            f"({self.rate:,.0f} events/s) -> {self.path}"
        )


def parse_staff(pairs: Iterable[str]) -> dict[str, int]:
    """``DEPT=N`` pairs (Chinese or English department names) as head counts."""
    staff: dict[str, int] = {}
    for pair in pairs:
        name, sep, count = pair.partition("=")
        name = name.strip()
        department = name if name in names.DEPARTMENTS else ENGLISH_DEPARTMENTS.get(name.lower())
        if not sep or department is None:
            known = ", ".join(f"{zh} ({en})" for zh, en in names.DEPARTMENTS.items())
            raise BadInputError(
                f"--staff {pair!r}: write DEPARTMENT=N with one of: {known}.",
                code="sample_staff_unknown",
                pair=pair,
                known=known,
            )
        try:
            head_count = int(count)
        except ValueError:
            raise BadInputError(
                f"--staff {pair!r}: {count!r} is not a whole number.",
                code="sample_staff_not_whole",
                pair=pair,
                count=count,
            ) from None
        if head_count < 1:
            raise BadInputError(
                f"--staff {pair!r}: a department needs at least one person.",
                code="sample_staff_none",
                pair=pair,
            )
        staff[department] = head_count
    return staff


def _check(
    scenario: str, cases: int, volume: float, fmt: str, layout: str, lang: str, encoding: str
) -> None:
    if scenario not in SCENARIOS:
        raise BadInputError(
            f"Unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}.",
            code="sample_scenario_unknown",
            scenario=scenario,
            known=", ".join(SCENARIOS),
        )
    if cases < 1:
        raise BadInputError("--cases must be at least 1.", code="sample_cases")
    if volume <= 0:
        raise BadInputError(
            "--volume must be positive (1.0 is the normal arrival rate).", code="sample_volume"
        )
    if fmt not in FORMATS:
        raise BadInputError(
            f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.",
            code="sample_format_unknown",
            fmt=fmt,
            known=", ".join(FORMATS),
        )
    if layout not in LAYOUTS:
        raise BadInputError(
            f"Unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}.",
            code="sample_layout_unknown",
            layout=layout,
            known=", ".join(LAYOUTS),
        )
    if lang not in names.LANGS:
        raise BadInputError(
            f"Unknown language {lang!r}; choose zh or en.",
            code="sample_language_unknown",
            lang=lang,
        )
    if encoding not in ENCODINGS:
        raise BadInputError(
            f"Unknown encoding {encoding!r}; choose {' or '.join(ENCODINGS)}.",
            code="sample_encoding_unknown",
            encoding=encoding,
            known=" or ".join(ENCODINGS),
        )
    if encoding != "utf-8" and fmt != "csv":
        raise BadInputError(
            f"--encoding {encoding} applies to CSV only; {fmt} files are UTF-8.",
            code="sample_encoding_csv_only",
            encoding=encoding,
            fmt=fmt,
        )
    if fmt == "xes" and layout != "events":
        raise BadInputError(
            "XES holds one entry per event: use --layout events, or CSV/Parquet for the "
            "instance layout.",
            code="sample_xes_layout",
        )


def generate_log(
    out: str | Path,
    scenario: str = "before",
    cases: int = 2000,
    seed: int = 1,
    *,
    fmt: str | None = None,
    layout: str = "events",
    lang: str = "zh",
    encoding: str = "utf-8",
    staff: dict[str, int] | None = None,
    volume: float = 1.0,
    start: date = DEFAULT_START,
) -> GenerateSummary:
    """Simulate ``scenario`` for ``cases`` applications and write the log to ``out``.

    The format follows ``fmt`` or else the file name (.csv, .xes, .xes.gz, .parquet).
    Writes only ``out``; the same arguments give a byte-identical file.
    """
    path = Path(out)
    chosen = fmt or format_from_path(path)
    _check(scenario, cases, volume, chosen, layout, lang, encoding)
    if not path.parent.exists():
        raise BadInputError(
            f"Folder {path.parent} does not exist; create it or choose --out.",
            code="sample_folder_missing",
            folder=path.parent,
        )
    began = time.perf_counter()
    model = SCENARIOS[scenario].with_staff(staff or {})
    sim = simulate(model, cases, seed, volume=volume, start=start)
    try:
        write_log(sim, path, _as_format(chosen), _as_layout(layout), _as_lang(lang), encoding)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - began
    rows = sim.event_count if layout == "events" else sim.event_count // 2
    return GenerateSummary(
        scenario, path, chosen, layout, sim.case_count, sim.event_count, rows, seconds
    )


def _as_format(value: str) -> Format:
    return next(f for f in FORMATS if f == value)


def _as_layout(value: str) -> Layout:
    return next(v for v in LAYOUTS if v == value)


def _as_lang(value: str) -> names.Lang:
    return next(v for v in names.LANGS if v == value)
