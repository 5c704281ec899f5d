"""One dataset's derivations on an engine, and the filtered selection of its cases.

:class:`LakeRun` materialises the derivation steps of :mod:`analysis.lake.derive` once per
dataset and engine, then, per set of filters, a table of the selected case ids that every
figure reads (:mod:`analysis.lake.figures`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from analysis.filters import CASE_ATTRIBUTE_COLUMNS, Filters, period_instant
from analysis.lake import derive
from analysis.lake.derive import Names
from analysis.lake.engine import Engine
from analysis.open_cases import END_SHARE, IDLE_QUANTILE, OpenCaseRule
from etl.profile import Profile

INSTANCE_SOURCE = (
    "case_id", "instance_id", "activity", "department", "resource", "start_ts", "end_ts",
)  # fmt: skip
CASE_SOURCE = (
    "case_id", "outcome", "first_ts", "last_ts", "amount", "product", "branch", "channel",
    "attributes",
)  # fmt: skip


@dataclass
class LakeRun:
    """A dataset's derivations materialised on an engine (see the module docstring)."""

    engine: Engine
    dataset: str
    profile: Profile
    tag: str
    names: Names = field(init=False)
    bounds: tuple[datetime, datetime] | None = field(init=False, default=None)
    _selections: dict[str, str] = field(init=False, default_factory=dict)
    _rule: OpenCaseRule | None = field(init=False, default=None)
    _last_ready: bool = field(init=False, default=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    # Further derivations kept for the run (the waiting causes' decomposition, by kind),
    # and the engine's tables they made, dropped with the run.
    kept: dict[Any, Any] = field(init=False, default_factory=dict)
    kept_tables: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.names = Names(f"lf_{self.tag}")

    @property
    def dialect(self) -> Any:
        """The engine's SQL dialect."""
        return self.engine.dialect

    def prepare(self) -> None:
        """Expose the sources and materialise every derivation step."""
        t, e, d = self.names, self.engine, self.dialect
        e.source(t.src_instances, "activity_instances", self.dataset, INSTANCE_SOURCE)
        e.source(t.src_cases, "cases", self.dataset, CASE_SOURCE)
        e.source(t.src_events, "events", self.dataset, ("case_id",))
        row = e.query(
            f"SELECT min({d.epoch_us('first_ts')}) AS lo, max({d.epoch_us('last_ts')}) AS hi"
            f" FROM {t.src_cases}"
        ).iloc[0]
        if row["lo"] is None or row["lo"] != row["lo"]:
            now = datetime.now(UTC)
            self.bounds = (now, now)
        else:
            self.bounds = (from_us(int(row["lo"])), from_us(int(row["hi"])))
        e.materialise(t.ordered, derive.ordered_sql(d, t, self.profile, self.bounds))
        e.materialise(t.preds, derive.preds_sql(d, t))
        e.materialise(t.instances, derive.instances_sql(t))
        e.drop([t.preds])
        e.materialise(t.pingpong, derive.pingpong_sql(t))
        e.materialise(t.cases, derive.cases_sql(d, t, self.profile, self.bounds))

    # --- the selected cases ----------------------------------------------------------------

    def selection(self, filters: Filters | None) -> str:
        """The name of a table of the ``case_id`` of the cases ``filters`` select."""
        filters = filters or Filters()
        key = hashlib.sha256(filters.cache_key().encode()).hexdigest()[:12]
        with self._lock:
            if key in self._selections:
                return self._selections[key]
            name = f"{self.names.prefix}_sel_{key}"
            where, params = self._where(filters)
            self.engine.materialise(
                name, f"SELECT c.case_id FROM {self.names.cases} c WHERE {where}", params
            )
            self._selections[key] = name
            return name

    def _where(self, filters: Filters) -> tuple[str, list[Any]]:
        d, t = self.dialect, self.names
        clauses: list[str] = ["true"]
        params: list[Any] = []
        column = "c.first_ts" if filters.period_basis == "started" else "c.last_ts"
        if filters.date_from is not None:
            clauses.append(f"{d.epoch_us(column)} >= ?")
            params.append(_period_us(filters.date_from, self.profile.timezone, end=False))
        if filters.date_to is not None:
            exclusive = not isinstance(filters.date_to, datetime)
            clauses.append(f"{d.epoch_us(column)} {'<' if exclusive else '<='} ?")
            params.append(_period_us(filters.date_to, self.profile.timezone, end=True))
        for col, values in (
            ("outcome", filters.outcomes),
            ("product", filters.products),
            ("branch", filters.branches),
            ("channel", filters.channels),
        ):
            if values:
                clauses.append(f"c.{col} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if filters.amount_min is not None:
            clauses.append("c.amount >= ?")
            params.append(float(filters.amount_min))
        if filters.amount_max is not None:
            clauses.append("c.amount <= ?")
            params.append(float(filters.amount_max))
        for name, value in filters.attributes:
            if name == "amount":
                clauses.append("c.amount = CAST(? AS DOUBLE)")
                params.append(value)
            elif name in CASE_ATTRIBUTE_COLUMNS:
                clauses.append(f"c.{name} = ?")
                params.append(value)
            else:
                clauses.append(f"{d.json_text('c.attributes')} = ?")
                params += [d.json_path(name), value]
        if filters.departments:
            marks = ", ".join("?" for _ in filters.departments)
            clauses.append(
                f"c.case_id IN (SELECT case_id FROM {t.instances} WHERE department IN ({marks}))"
            )
            params.extend(filters.departments)
        if filters.variant is not None:
            clauses.append(f"c.variant = {d.array(['?' for _ in filters.variant])}")
            params.extend(filters.variant)
        return " AND ".join(clauses), params

    # --- which cases are closed --------------------------------------------------------------

    def open_case_rule(self) -> OpenCaseRule:
        """The rule judging credibly open cases (as :func:`analysis.open_cases.open_case_rule`)."""
        if self._rule is not None:
            return self._rule
        t, d = self.names, self.dialect
        mapped = bool(self.profile.outcomes or self.profile.outcome_attribute)
        if mapped:
            ends = tuple(sorted(self.profile.outcomes))
        else:
            self._last_activities()
            frame = self.engine.query(
                f"""
                SELECT e.activity FROM (
                    SELECT activity, count(*) AS ending FROM {t.last_activities}
                    GROUP BY activity) e
                JOIN (SELECT activity, count(DISTINCT case_id) AS occurring
                    FROM {t.instances} GROUP BY activity) o ON o.activity = e.activity
                WHERE e.ending >= ? * o.occurring
                ORDER BY e.ending DESC, e.activity
                """,
                [float(END_SHARE)],
            )
            ends = tuple(str(a) for a in frame["activity"])
        row = self.engine.query(
            f"SELECT max({d.epoch_us('last_ts')}) AS as_of,"
            f" {d.quantile('cycle_time_hours', IDLE_QUANTILE)} AS idle FROM {t.cases}"
        ).iloc[0]
        as_of = None if row["as_of"] != row["as_of"] else from_us(int(row["as_of"]))
        idle = None if row["idle"] != row["idle"] else float(row["idle"])
        self._rule = OpenCaseRule(
            outcome_mapped=mapped,
            basis="mapped_outcomes" if mapped else "end_activities",
            end_activities=ends,
            as_of=as_of,
            idle_limit_hours=idle,
        )
        return self._rule

    def _last_activities(self) -> None:
        """Materialise the activities at each case's latest time (once)."""
        if not self._last_ready:
            self.engine.materialise(
                self.names.last_activities, derive.last_activities_sql(self.names)
            )
            self._last_ready = True

    def credible_open_sql(self, alias: str = "c") -> tuple[str, list[Any]]:
        """A condition on a case row (alias ``alias``): it is credibly open; and its params."""
        rule = self.open_case_rule()
        if rule.as_of is None or rule.idle_limit_hours is None:
            return "false", []
        t, d = self.names, self.dialect
        parts: list[str] = [f"{alias}.outcome = 'open'"]
        params: list[Any] = []
        if rule.end_activities:
            self._last_activities()
            marks = ", ".join("?" for _ in rule.end_activities)
            parts.append(
                f"{alias}.case_id NOT IN (SELECT case_id FROM {t.last_activities}"
                f" WHERE activity IN ({marks}))"
            )
            params.extend(rule.end_activities)
        parts.append(
            f"(CAST(? AS DOUBLE) - {derive.epoch_seconds(d, f'{alias}.last_ts')}) / 3600.0 <= ?"
        )
        params += [_epoch_seconds(rule.as_of), float(rule.idle_limit_hours)]
        return " AND ".join(parts), params

    def closed_sql(self) -> tuple[str, list[Any]]:
        """A condition on a case row (alias ``c``): it is closed; and its params."""
        if self.profile.outcomes or self.profile.outcome_attribute:
            return "c.outcome <> 'open'", []
        condition, params = self.credible_open_sql()
        return f"NOT ({condition})", params

    def drop(self) -> None:
        """Forget every table of this run on the engine."""
        steps = ["src_instances", "src_cases", "src_events", "ordered", "instances"]
        steps += ["pingpong", "cases", "last_activities"]
        names = [getattr(self.names, s) for s in steps] + list(self._selections.values())
        self.engine.drop(names + self.kept_tables)
        self._selections.clear()
        self.kept.clear()
        self.kept_tables.clear()


def from_us(value: int) -> datetime:
    """An aware UTC datetime from microseconds since 1970."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


def _epoch_seconds(value: datetime) -> float:
    delta = derive.as_utc(value) - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros / 1_000_000


def _period_us(value: date | datetime, zone: str, *, end: bool) -> int:
    """A period bound as microseconds since the epoch: the instant
    :func:`analysis.filters.period_instant` names (a date's midnight on the dataset's
    clock, the day after for an end)."""
    moment = period_instant(value, zone, end=end).astimezone(UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
