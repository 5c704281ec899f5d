"""Discovering a simulation model from a dataset's activity instances.

The model (see :mod:`analysis.whatif.model`) is found in one pass over the instances of
the selected cases, in numpy and pandas:

- **arrivals**: cases started per hour of the week (Monday 00:00 first) divided by the
  weeks observed, and the weekly trend (least squares over weekly counts; kept only when
  it is clear, |t| > 3);
- **routing**: the next activity after each (activity, how many times the case has done
  it: 1, 2, 3 or more) in case order, as probabilities; where a case attribute (amount,
  product, ...) splits a branch so that the log-likelihood gain beats the BIC penalty,
  the branch probabilities are kept per side of the best threshold or per level;
- **parallel branches**: pairs of activities that overlap in time, one right after the
  other in a case, in at least half of the times they follow each other;
- **processing times** per activity, in working seconds of its pool's calendar, fitted
  (:func:`analysis.whatif.distributions.fit_duration`);
- **resource pools**: the department (or, when the log has none, the resources grouped
  by their most frequent activity), its head count, its calendar, and whether a case
  stays with one person there (``case_owner``: files on one officer's desk);
- **batching**: activities whose pool works in short sessions (a committee that meets
  twice a week) show as narrow calendars; they are listed in ``batching``;
- **extraneous delays**: the part of a wait in which the person who then did the work
  was free and on duty (waiting for the customer, an outside party), per transition, as
  a probability and the quantiles of the delay in working seconds.
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.calendar.discover import calendars_from_times, discover_calendars, quiet_days
from analysis.calendar.week import ORIGIN, WEEK, WorkingCalendar, always
from analysis.filters import Filters
from analysis.predecessors import selected_instances_sql
from analysis.scope import make_scope
from analysis.whatif.distributions import empirical, fit_duration
from analysis.whatif.model import ELAPSED, END, MODEL_VERSION, visit_key
from etl.errors import BadInputError

Progress = Callable[[str], None]
_MAX_VISITS = 3
_ATTRIBUTE_COLUMNS = ("amount", "product", "branch", "channel")
_MIN_STATE = 40  # transitions needed before a branch is split by a case attribute
_MIN_DELAY_SHARE = 0.02
# Where the withdrawal profile changes: the deciles of the elapsed time, and finer in the
# tail, where customers run out of patience and the chance climbs fastest.
_WITHDRAWAL_QUANTILES = (*np.linspace(0.1, 0.9, 9).tolist(), 0.95, 0.975, 0.99)


def load_instances(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    activities: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str, dict[str, str]]:
    """The selected instances (local epoch seconds), the cases' attributes, the time zone
    and the profile's outcome of each activity.

    ``activities`` is a glob (``W_*``) or comma-separated list keeping only those
    activities (cases without any are left out).
    """
    scope = make_scope(con, dataset, filters)
    sql, params = selected_instances_sql(scope)
    frame = con.execute(
        f"SELECT case_id, activity, department, resource, start_ts, end_ts FROM ({sql}) x",
        params,
    ).df()
    if activities:
        patterns = [p.strip() for p in activities.split(",") if p.strip()]
        names = frame["activity"].drop_duplicates()
        keep = {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}
        if not keep:
            known = ", ".join(sorted(names)[:30])
            raise BadInputError(
                f"no activity of {dataset} matches {activities!r}; known: {known}",
                code="whatif_no_activity_matches",
                dataset=dataset,
                activities=activities,
                known=known,
            )
        frame = frame[frame["activity"].isin(keep)]
    if frame.empty:
        raise BadInputError(
            f"{dataset} has no activity instances in the selected cases",
            code="whatif_no_instances",
            dataset=dataset,
        )
    tz = scope.profile.timezone
    frame["start"] = _local_seconds(frame["start_ts"], tz)
    end = _local_seconds(frame["end_ts"].fillna(frame["start_ts"]), tz)
    frame["end"] = np.maximum(end, frame["start"].to_numpy())
    frame = frame.drop(columns=["start_ts", "end_ts"])
    frame = frame.sort_values(["case_id", "start", "end", "activity"], kind="stable")
    cases = _case_attributes(con, dataset, frame["case_id"].unique())
    outcomes: dict[str, str] = {str(k): str(v) for k, v in scope.profile.outcomes.items()}
    return frame.reset_index(drop=True), cases, tz, outcomes


def _local_seconds(column: pd.Series, tz: str) -> npt.NDArray[np.float64]:
    local = pd.to_datetime(column, utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    return np.asarray((local - pd.Timestamp(0)).dt.total_seconds().to_numpy(), dtype=np.float64)


def _case_attributes(
    con: duckdb.DuckDBPyConnection, dataset: str, case_ids: npt.NDArray[np.object_]
) -> pd.DataFrame:
    """Case attributes usable for routing: the attribute columns and numeric JSON keys."""
    con.register("_whatif_cases", pd.DataFrame({"case_id": case_ids}))
    try:
        frame = con.execute(
            "SELECT c.case_id, c.amount, c.product, c.branch, c.channel, c.attributes"
            " FROM cases c JOIN _whatif_cases s USING (case_id) WHERE c.dataset = ?",
            [dataset],
        ).df()
    finally:
        con.unregister("_whatif_cases")
    extra = pd.DataFrame(
        [json.loads(a) if isinstance(a, str) and a else {} for a in frame.pop("attributes")]
    )
    for column in extra.columns:
        if column in frame.columns:
            continue
        numbers = pd.to_numeric(extra[column], errors="coerce")
        if numbers.notna().mean() > 0.95 and numbers.nunique() > 10:
            frame[column] = numbers
    keep = ["case_id"] + [
        c for c in frame.columns if c != "case_id" and frame[c].notna().mean() > 0.5
    ]
    return frame[keep]


# -- pools --------------------------------------------------------------------------
def _pools(frame: pd.DataFrame) -> tuple[pd.Series, dict[str, str], set[str]]:
    """Each instance's pool, each activity's pool, and the automatic activities."""
    no_resource = frame["resource"].isna().groupby(frame["activity"]).mean()
    automatic = {str(a) for a, share in no_resource.items() if share > 0.5}
    if frame["department"].notna().mean() > 0.5:
        pool = frame["department"].fillna("(none)").astype(str)
    else:
        with_resource = frame[frame["resource"].notna()]
        favourite = (
            with_resource.groupby(["resource", "activity"])
            .size()
            .reset_index(name="n")
            .sort_values(["resource", "n", "activity"], ascending=[True, False, True])
            .drop_duplicates("resource")
            .set_index("resource")["activity"]
        )
        pool = frame["resource"].map(favourite).fillna(frame["activity"]).astype(str)
    by_activity = (
        pd.DataFrame({"activity": frame["activity"], "pool": pool})
        .groupby(["activity", "pool"])
        .size()
        .reset_index(name="n")
        .sort_values(["activity", "n", "pool"], ascending=[True, False, True])
        .drop_duplicates("activity")
        .set_index("activity")["pool"]
    )
    activity_pool = {str(k): str(v) for k, v in by_activity.items()}
    return pool, activity_pool, automatic


def _pool_details(
    frame: pd.DataFrame, pool: pd.Series, calendars: dict[str, WorkingCalendar]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    staffed = frame.assign(pool=pool)[frame["resource"].notna()]
    home = (
        staffed.groupby(["resource", "pool"])
        .size()
        .reset_index(name="n")
        .sort_values(["resource", "n", "pool"], ascending=[True, False, True])
        .drop_duplicates("resource")
        .set_index("resource")["pool"]
    )
    for name, rows in staffed.groupby("pool"):
        members = rows["resource"].astype(str).unique()
        resources = sorted(r for r in members if home.get(r) == name) or sorted(members)
        per_case = rows.groupby("case_id")["resource"].agg(["nunique", "size"])
        repeat = per_case[per_case["size"] > 1]
        owner_share = float((repeat["nunique"] == 1).mean()) if len(repeat) >= 20 else 0.0
        calendar = calendars.get(str(name), always())
        out[str(name)] = {
            "size": len(resources),
            "resources": resources,
            "calendar": calendar.days(),
            "case_owner": bool(len(resources) >= 3 and owner_share >= 0.9),
            "case_owner_share": round(owner_share, 4),
        }
    return out


# -- arrivals -----------------------------------------------------------------------
def _arrivals(first_starts: npt.NDArray[np.float64]) -> dict[str, Any]:
    first_starts = np.sort(first_starts)
    span = max(float(first_starts[-1] - first_starts[0]), 86400.0)
    weeks = span / WEEK
    hours = (np.mod(first_starts - ORIGIN, WEEK) // 3600).astype(np.int64)
    weekly = np.bincount(hours, minlength=168).astype(np.float64) / weeks
    week_index = np.floor((first_starts - first_starts[0]) / WEEK).astype(np.int64)
    counts = np.bincount(week_index).astype(np.float64)
    trend = 0.0
    if len(counts) >= 6:
        full = counts[:-1]  # the last week is partial
        x = np.arange(len(full), dtype=np.float64)
        slope, intercept = np.polyfit(x, full, 1)
        residual = full - (slope * x + intercept)
        se = math.sqrt(float(residual @ residual) / max(len(full) - 2, 1)) / math.sqrt(
            float(((x - x.mean()) ** 2).sum()) or 1.0
        )
        if se > 0 and abs(slope / se) > 3 and full.mean() > 0:
            trend = float(slope / full.mean())
    return {
        "per_hour_of_week": [round(float(v), 6) for v in weekly],
        "per_week": round(float(weekly.sum()), 4),
        "trend_per_week": round(trend, 6),
        "weeks_observed": round(weeks, 3),
    }


# -- routing ------------------------------------------------------------------------
def _sequences(frame: pd.DataFrame) -> pd.DataFrame:
    """Each instance with its visit number and the next activity of its case (END last)."""
    seq = frame[["case_id", "activity", "start", "end"]].copy()
    seq["visit"] = seq.groupby(["case_id", "activity"]).cumcount() + 1
    same = seq["case_id"].shift(-1) == seq["case_id"]
    seq["next"] = seq["activity"].shift(-1).where(same, END)
    seq["next_code"] = pd.factorize(seq["next"])[0]
    seq["next_start"] = seq["start"].shift(-1).where(same)
    seq["first"] = seq["case_id"].shift(1) != seq["case_id"]
    seq["elapsed"] = seq["end"] - seq.groupby("case_id")["start"].transform("min")
    return seq


def _parallel_groups(seq: pd.DataFrame) -> list[list[str]]:
    follows = seq[seq["next"] != END]
    follows = follows[follows["activity"] != follows["next"]]
    overlap = follows["next_start"] < follows["end"] - 1.0
    pair = np.where(
        follows["activity"] < follows["next"],
        follows["activity"] + "\x00" + follows["next"],
        follows["next"] + "\x00" + follows["activity"],
    )
    table = pd.DataFrame({"pair": pair, "overlap": overlap.to_numpy()})
    stats = table.groupby("pair")["overlap"].agg(["mean", "sum"])
    parallel = stats[(stats["mean"] >= 0.5) & (stats["sum"] >= 20)].index
    groups: list[set[str]] = []
    for key in parallel:
        a, b = key.split("\x00")
        joined = [g for g in groups if a in g or b in g]
        merged = {a, b}.union(*joined) if joined else {a, b}
        groups = [g for g in groups if g not in joined] + [merged]
    return [sorted(g) for g in groups]


def _distribution(targets: pd.Series) -> dict[str, float]:
    counts = targets.value_counts()
    total = float(counts.sum())
    return {str(k): round(float(v) / total, 6) for k, v in counts.items()}


def _log_likelihood(codes: npt.NDArray[np.int64]) -> float:
    counts = np.bincount(codes).astype(np.float64)
    counts = counts[counts > 0]
    return float((counts * np.log(counts / counts.sum())).sum())


def _ll_rows(counts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Log-likelihood of each row of class counts (rows: candidate sides)."""
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / np.maximum(totals, 1.0)), 0.0)
    return np.asarray(terms.sum(axis=1))


def _best_threshold(
    values: npt.NDArray[np.float64], codes: npt.NDArray[np.int64], k: int, min_side: int = 10
) -> tuple[float, float] | None:
    """The exact best threshold of one numeric attribute: (gain, threshold), or None.

    Sorting once and counting the classes cumulatively scores every distinct value as a
    cut in one vectorised pass (n x classes), so a rule at 3,000,000 is found exactly.
    """
    order = np.argsort(values, kind="stable")
    v, c = values[order], codes[order]
    below = np.cumsum(np.eye(k)[c], axis=0)
    cut_at = np.flatnonzero(v[:-1] != v[1:])  # the last row of each distinct value
    cut_at = cut_at[(cut_at + 1 >= min_side) & (len(v) - cut_at - 1 >= min_side)]
    if len(cut_at) == 0:
        return None
    left = below[cut_at]
    right = below[-1] - left
    gains = _ll_rows(left) + _ll_rows(right)
    best = int(np.argmax(gains))
    return float(gains[best]), float(v[cut_at[best]])


def _best_split(targets: npt.NDArray[np.int64], attributes: pd.DataFrame) -> dict[str, Any] | None:
    """The case-attribute split of one branch that most improves its fit (BIC), if any.

    ``targets`` are the next activities as integer codes."""
    present, codes = np.unique(targets, return_inverse=True)
    n, k = len(codes), len(present)
    if n < _MIN_STATE or k < 2:
        return None
    codes = np.asarray(codes, dtype=np.int64)
    base = _log_likelihood(codes)
    best: tuple[float, dict[str, Any]] | None = None
    for column in attributes.columns:
        values = attributes[column].to_numpy()
        if pd.api.types.is_numeric_dtype(attributes[column]):
            numbers = values.astype(np.float64)
            finite = np.isfinite(numbers)
            if finite.mean() < 0.9:
                continue
            found = _best_threshold(numbers[finite], codes[finite], k)
            if found is None:
                continue
            gain = found[0] - _log_likelihood(codes[finite])
            score = gain - 0.5 * k * math.log(n)
            if score > 0 and (best is None or score > best[0]):
                best = (score, {"attribute": column, "threshold": found[1]})
        else:
            labels = pd.Series(values).astype(str)
            frequency = labels.value_counts()
            common = frequency[frequency >= 15].index
            if len(common) < 2 or len(common) > 12:
                continue
            grouped = pd.factorize(labels.where(labels.isin(common), "\x00other"))[0]
            table = np.zeros((grouped.max() + 1, k))
            np.add.at(table, (grouped, codes), 1.0)
            gain = float(_ll_rows(table).sum()) - base
            score = gain - 0.5 * (k - 1) * (len(table) - 1) * math.log(n)
            if score > 0 and (best is None or score > best[0]):
                best = (score, {"attribute": column, "levels": sorted(common)})
    return best[1] if best else None


def _branch(rows: pd.DataFrame, attributes: pd.DataFrame, depth: int = 3) -> dict[str, Any]:
    """The branch probabilities after one state, split by a case attribute if it helps.

    The time since the case started (``elapsed_hours``, at the end of the activity) is a
    candidate too: customers withdraw when an application drags on. Each side of a split
    may be split once more (``depth``), a small decision tree per branch.
    """
    targets = rows["next_code"].to_numpy() if "next_code" in rows else pd.factorize(rows["next"])[0]
    entry: dict[str, Any] = {"n": len(rows), "next": _distribution(rows["next"])}
    if depth <= 0:
        return entry
    case_attrs = attributes.reindex(rows["case_id"].to_numpy()).reset_index(drop=True)
    if "elapsed" in rows:
        case_attrs[ELAPSED] = rows["elapsed"].to_numpy() / 3600.0
    split = _best_split(targets, case_attrs)
    if split is None:
        return entry
    column = case_attrs[split["attribute"]]
    if "threshold" in split:
        below = (column <= split["threshold"]).to_numpy()
        split["below"] = _branch(rows[below], attributes, depth - 1)
        split["above"] = _branch(rows[~below], attributes, depth - 1)
    else:
        labels = column.astype(str).to_numpy()
        split["by_level"] = {
            lvl: _branch(rows[labels == lvl], attributes, depth - 1) for lvl in split["levels"]
        }
        others = ~np.isin(labels, split["levels"])
        split["other"] = (
            _branch(rows[others], attributes, depth - 1)
            if others.any()
            else {"n": 0, "next": entry["next"]}
        )
        del split["levels"]
    entry["split"] = split
    return entry


def _withdrawal(seq: pd.DataFrame, exits: set[str]) -> dict[str, Any] | None:
    """How the chance of a withdrawal grows with the time a case has taken.

    Over every transition of the log, the share going to a withdrawal activity (one whose
    outcome is ``withdrawn``) per decile of the case's elapsed time. In the simulation a
    branch's withdrawal probability is scaled by this profile at the case's elapsed time
    (relative to its mean over the branch's own transitions), so faster cases withdraw
    less, as customers do when an application no longer drags on.
    """
    if not exits or not seq["next"].isin(exits).any():
        return None
    hours = seq["elapsed"].to_numpy() / 3600.0
    edges = np.unique(np.quantile(hours, _WITHDRAWAL_QUANTILES))
    bins = np.searchsorted(edges, hours, side="right")
    going = seq["next"].isin(exits).to_numpy()
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(np.float64)
    rate = np.bincount(bins, weights=going, minlength=len(edges) + 1) / np.maximum(counts, 1.0)
    return {
        "activities": sorted(exits),
        "edges_hours": [round(float(e), 3) for e in edges],
        "rate": [round(float(r), 6) for r in rate],
    }


def _profile_mean(withdrawal: dict[str, Any], elapsed: npt.NDArray[np.float64]) -> float:
    edges = np.asarray(withdrawal["edges_hours"])
    rate = np.asarray(withdrawal["rate"])
    return float(rate[np.searchsorted(edges, elapsed / 3600.0, side="right")].mean())


def _routing(seq: pd.DataFrame, attributes: pd.DataFrame, exits: set[str]) -> dict[str, Any]:
    withdrawal = _withdrawal(seq, exits)
    # with a withdrawal profile, elapsed time acts through it, not through branch splits
    split_on = seq.drop(columns="elapsed") if withdrawal else seq
    states: dict[str, Any] = {}
    capped = np.minimum(seq["visit"].to_numpy(), _MAX_VISITS)
    keys = seq["activity"].to_numpy().astype(object) + "#" + capped.astype(str).astype(object)
    groups = [(str(k), r) for k, r in split_on.assign(key=keys).groupby("key", sort=True)]
    groups += [
        (visit_key(str(a), 0), r) for a, r in split_on.groupby("activity", sort=True)
    ]  # visit 0: any visit (the back-off)
    for key, rows in groups:
        states[key] = _branch(rows, attributes)
        if withdrawal:
            elapsed = seq.loc[rows.index, "elapsed"].to_numpy()
            states[key]["withdrawal_mean"] = round(_profile_mean(withdrawal, elapsed), 6)
    first = seq[seq["first"]]
    start = _branch(
        first.assign(next=first["activity"]).drop(columns=["elapsed", "next_code"]), attributes
    )
    return {"start": start, "states": states, "withdrawal": withdrawal}


# -- durations and delays -----------------------------------------------------------
def _working_durations(
    frame: pd.DataFrame, pool: pd.Series, calendars: dict[str, WorkingCalendar]
) -> npt.NDArray[np.float64]:
    out = np.zeros(len(frame), dtype=np.float64)
    starts, ends = frame["start"].to_numpy(), frame["end"].to_numpy()
    for name, calendar in calendars.items():
        rows = (pool == name).to_numpy()
        work = calendar.clock(ends[rows]) - calendar.clock(starts[rows])
        out[rows] = np.where(work > 0, work, np.minimum(ends[rows] - starts[rows], 60.0))
    return out


def _extraneous(
    frame: pd.DataFrame, seq: pd.DataFrame, pool: pd.Series, calendars: dict[str, WorkingCalendar]
) -> dict[str, Any]:
    """Per transition: how often, and how long, a case waited with its performer free."""
    prev_end = seq["end"].shift(1).where(~seq["first"])
    prev_activity = seq["activity"].shift(1).where(~seq["first"])
    by_resource = frame.assign(order=np.arange(len(frame))).dropna(subset=["resource"])
    by_resource = by_resource.sort_values(["resource", "start", "end"], kind="stable")
    by_resource["free"] = by_resource.groupby("resource")["end"].shift(1)
    free_since = by_resource.groupby("resource")["free"].cummax()
    resource_free = np.full(len(frame), np.nan)
    resource_free[by_resource["order"].to_numpy()] = free_since.to_numpy()
    begin = np.fmax(prev_end.to_numpy(), resource_free)
    begin = np.where(np.isnan(resource_free), prev_end.to_numpy(), begin)
    starts = frame["start"].to_numpy()
    delay = np.full(len(frame), np.nan)
    for name, calendar in calendars.items():
        rows = ((pool == name).to_numpy()) & np.isfinite(begin) & (begin < starts)
        delay[rows] = calendar.clock(starts[rows]) - calendar.clock(begin[rows])
    has_prev = np.isfinite(prev_end.to_numpy())
    table = pd.DataFrame(
        {
            "key": prev_activity.fillna("").to_numpy() + "->" + frame["activity"].to_numpy(),
            "delay": np.where(has_prev, np.nan_to_num(delay, nan=0.0), np.nan),
        }
    ).dropna()
    out: dict[str, Any] = {}
    for key, group in table.groupby("key"):
        values = group["delay"].to_numpy()
        positive = values[values > 300.0]  # five working minutes or more
        share = len(positive) / len(values)
        if len(positive) >= 5 and share >= _MIN_DELAY_SHARE:
            out[str(key)] = {
                "n": len(values),
                "probability": round(share, 6),
                "quantiles": [round(v, 1) for v in empirical(positive)],
            }
    return out


def _batching(pools: dict[str, dict[str, Any]], activity_pool: dict[str, str]) -> list[str]:
    hours = {
        name: WorkingCalendar.from_days(p["calendar"]).weekly_hours for name, p in pools.items()
    }
    if not hours:
        return []
    typical = float(np.median(list(hours.values())))
    narrow = {name for name, h in hours.items() if h < 0.4 * typical}
    return sorted(a for a, p in activity_pool.items() if p in narrow)


# -- the model ----------------------------------------------------------------------
def discover_model(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    activities: str | None = None,
    train_until: datetime | None = None,
    calibration_rounds: int = 3,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The simulation model of ``dataset`` (the selected cases).

    ``train_until``: only cases that started before it are used (a hold-out split).
    ``activities``: keep only these activities (glob or comma list, e.g. ``W_*``).
    ``calibration_rounds``: rounds of :func:`analysis.whatif.calibrate.calibrate` (0: none).
    """
    say = progress or (lambda _message: None)
    say("reading activity instances")
    frame, cases, tz, outcomes = load_instances(con, dataset, filters, activities)
    if train_until is not None:
        frame = _before(frame, train_until, tz)
    say("pools and calendars")
    pool, activity_pool, automatic = _pools(frame)
    calendar_filters = filters
    if train_until is not None:
        earlier = (pd.Timestamp(train_until) - pd.Timedelta(days=1)).date()
        calendar_filters = (filters or Filters()).model_copy(update={"date_to": earlier})
    holidays = _holidays(frame, con, dataset)
    calendars = _pool_calendars(con, dataset, calendar_filters, frame, pool, holidays)
    pools = _pool_details(frame, pool, calendars)
    say("routing")
    seq = _sequences(frame)
    attributes = cases.set_index("case_id")
    exits = {a for a, o in outcomes.items() if o == "withdrawn"}
    routing = _routing(seq, attributes, exits)
    say("processing times and delays")
    work = _working_durations(frame, pool, calendars)
    durations = {
        str(a): fit_duration(work[(frame["activity"] == a).to_numpy()])
        for a in sorted(frame["activity"].unique())
    }
    batching = _batching(pools, activity_pool)
    # waits before a batched activity are its sessions, not an outside party
    delays = {
        key: spec
        for key, spec in _extraneous(frame, seq, pool, calendars).items()
        if key.partition("->")[2] not in batching
    }
    first_starts = frame.groupby("case_id")["start"].min().to_numpy()
    case_rows = attributes.reindex(frame["case_id"].unique())
    sample = case_rows.sample(n=min(len(case_rows), 5000), random_state=0)
    model = {
        "version": MODEL_VERSION,
        "dataset": dataset,
        "timezone": tz,
        "trained": {
            "cases": len(first_starts),
            "activity_instances": len(frame),
            "from": _iso(float(first_starts.min())),
            "until": _iso(float(frame["end"].max())),
            "activities_filter": activities,
        },
        "arrivals": _arrivals(first_starts),
        "case_attributes": {
            "columns": [str(c) for c in sample.columns],
            "numeric": [str(c) for c in sample.columns if pd.api.types.is_numeric_dtype(sample[c])],
            "rows": [[_plain(v) for v in row] for row in sample.itertuples(index=False)],
        },
        "activities": {
            a: {
                "pool": None if a in automatic else activity_pool[a],
                "department": activity_pool[a],
                "duration": durations[a],
                "outcome": outcomes.get(a),
            }
            for a in durations
        },
        "pools": pools,
        "routing": routing,
        "parallel": _parallel_groups(seq),
        "holidays": list(holidays),
        "delays": delays,
        "batching": batching,
        "cycle_time_hours": _cycle_summary(frame),
    }
    if calibration_rounds > 0:
        say("calibrating waits by simulation")
        from analysis.whatif.calibrate import calibrate, observed_waits

        cases_simulated = min(len(first_starts), 3000)
        calibrate(
            model,
            observed_waits(frame, model),
            start=float(first_starts.min()),
            cases=cases_simulated,
            rounds=calibration_rounds,
        )
    return model


def _holidays(frame: pd.DataFrame, con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[str, ...]:
    """The profile's holidays, and workdays of the cases' arrival period on which nobody
    worked (:func:`analysis.calendar.discover.quiet_days`)."""
    profile = make_scope(con, dataset).profile
    arrivals = frame.groupby("case_id")["start"].min().to_numpy()
    quiet = quiet_days(frame["start"].to_numpy(), float(arrivals.min()), float(arrivals.max()))
    return tuple(sorted({d.isoformat() for d in [*profile.calendar.holidays, *quiet]}))


def _pool_calendars(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None,
    frame: pd.DataFrame,
    pool: pd.Series,
    holidays: tuple[str, ...],
) -> dict[str, WorkingCalendar]:
    """Each pool's calendar, with the model's holidays, by the waiting-causes analysis's
    discovery (:mod:`analysis.calendar.discover`).

    A pool that is a department gets the department's calendar discovered from the store
    (without the profile's overrides: the committee's meetings must stay what the log
    shows); other pools (resources grouped when the log has no departments) the same
    discovery over their instances' starts and ends. Every weekday with work in it counts
    (``min_weekday_share=0``: the capacity the log shows; the Why waiting page keeps only
    weekdays worked regularly, so a department that works on a few Saturdays shows them
    there as closed). A pool without working time found is open around the clock.
    """
    found = discover_calendars(
        con, dataset, by="department", filters=filters, overrides=False, min_weekday_share=0.0
    )
    names = pool.to_numpy(dtype=object)
    out = {str(n): c for n, c in found.items() if c.weekly_seconds > 0 and (names == n).any()}
    rest = ~np.isin(names, list(out))
    if rest.any():
        times = np.concatenate([frame["start"].to_numpy()[rest], frame["end"].to_numpy()[rest]])
        groups = np.concatenate([names[rest]] * 2)
        out.update(calendars_from_times(groups, times, min_weekday_share=0.0))
    return {name: c.or_always().with_holidays(holidays) for name, c in sorted(out.items())}


def _before(frame: pd.DataFrame, until: datetime, tz: str) -> pd.DataFrame:
    cut = _local_seconds(pd.Series([pd.Timestamp(until)]), tz)[0]
    first = frame.groupby("case_id")["start"].transform("min")
    kept = frame[(first < cut).to_numpy()]
    if kept.empty:
        raise BadInputError(
            f"no case started before {until.isoformat()}",
            code="whatif_no_case_before",
            day=until.isoformat(),
        )
    return kept.reset_index(drop=True)


def _cycle_summary(frame: pd.DataFrame) -> dict[str, float]:
    spans = frame.groupby("case_id").agg(a=("start", "min"), b=("end", "max"))
    hours = (spans["b"] - spans["a"]).to_numpy() / 3600.0
    return {
        "median": round(float(np.median(hours)), 3),
        "p90": round(float(np.quantile(hours, 0.9)), 3),
        "mean": round(float(hours.mean()), 3),
    }


def _iso(local_seconds: float) -> str:
    return pd.Timestamp(local_seconds, unit="s").isoformat()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
