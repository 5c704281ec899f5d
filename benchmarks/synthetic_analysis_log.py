"""A synthetic loan-approval log written straight into a store, for the analysis benchmark.

Cases walk a Markov chain over loan activities (with rework loops and ping-pong between
credit and risk); waiting and processing times are exponential per department; decision
notices are instants (start = end). Vectorised over cases with numpy, inserted by DuckDB.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

ACTIVITIES = [
    # activity, department, mean wait hours, mean processing hours
    ("申請受理", "客戶經理部", 0.0, 0.5),
    ("資料審核", "信貸部", 6.0, 2.0),
    ("實地調查", "信貸部", 12.0, 4.0),
    ("風險評估", "風險管理部", 18.0, 3.0),
    ("補件", "客戶經理部", 24.0, 1.0),
    ("合規審查", "法務合規部", 20.0, 2.0),
    ("審批會議", "審批委員會", 40.0, 1.5),
    ("放款", "運營部", 8.0, 1.0),
    ("拒絕通知", "運營部", 4.0, 0.0),
    ("客戶撤回", "客戶經理部", 30.0, 0.0),
]
# transition probabilities from each activity (rows) to the next (columns); -1 ends
_T = {
    0: {1: 1.0},
    1: {2: 0.55, 3: 0.35, 4: 0.10},
    2: {3: 0.85, 4: 0.15},
    3: {5: 0.35, 6: 0.40, 1: 0.15, 8: 0.05, 9: 0.05},
    4: {1: 0.85, 9: 0.15},
    5: {6: 0.9, 3: 0.1},
    6: {7: 0.7, 8: 0.2, 3: 0.1},
    7: {-1: 1.0},
    8: {-1: 1.0},
    9: {-1: 1.0},
}
PROFILE = {
    "timezone": "Asia/Shanghai",
    "outcomes": {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"},
    "calendar": {
        "workdays": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "hours": ["09:00", "17:30"],
        "holidays": ["2025-01-01", "2025-01-28", "2025-01-29", "2025-04-04"],
    },
    "sla": {"cycle_time_hours": 240},
    "costs": {"信貸部": 320, "風險管理部": 380, "審批委員會": 900},
}


def _paths(rng: np.random.Generator, n: int, max_len: int = 40) -> np.ndarray:
    """Activity index per (case, step); -1 after the end."""
    paths = np.full((n, max_len), -1, dtype=np.int64)
    current = np.zeros(n, dtype=np.int64)
    paths[:, 0] = 0
    for step in range(1, max_len):
        alive = current >= 0
        if not alive.any():
            break
        u = rng.random(n)
        nxt = np.full(n, -1, dtype=np.int64)
        for src, row in _T.items():
            mask = alive & (current == src)
            acc = 0.0
            chosen = np.zeros(n, dtype=bool)
            for dst, p in row.items():
                pick = mask & ~chosen & (u < acc + p)
                nxt[pick] = dst
                chosen |= pick
                acc += p
        if step == max_len - 1:
            nxt[nxt >= 0] = 8  # force an end
        current = np.where(alive, nxt, -1)
        paths[:, step] = current
    return paths


def synthetic_instances(n_cases: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(instances, cases) frames of a synthetic log with ``n_cases`` cases."""
    rng = np.random.default_rng(seed)
    paths = _paths(rng, n_cases)
    case_idx, step = np.nonzero(paths >= 0)
    act = paths[case_idx, step]
    table = np.array([a[2:] for a in ACTIVITIES], dtype=float)
    wait = rng.exponential(1.0, len(act)) * table[act, 0] * 3600
    proc = rng.exponential(1.0, len(act)) * table[act, 1] * 3600
    base = np.datetime64("2025-01-01T00:00:00") + (rng.random(n_cases) * 365 * 86400).astype(
        "timedelta64[s]"
    )
    # cumulative per case: start_k = base + sum_{j<k}(wait_j + proc_j) + wait_k
    order = np.lexsort((step, case_idx))
    case_idx, step, act, wait, proc = (x[order] for x in (case_idx, step, act, wait, proc))
    total = wait + proc
    cum = np.cumsum(total)
    first = np.r_[0, np.flatnonzero(np.diff(case_idx)) + 1]
    offsets = np.repeat(cum[first] - total[first], np.diff(np.r_[first, len(case_idx)]))
    start_s = cum - total - offsets + wait
    starts = base[case_idx] + start_s.astype("timedelta64[s]")
    ends = starts + proc.astype("timedelta64[s]")
    names = np.array([a[0] for a in ACTIVITIES])
    depts = np.array([a[1] for a in ACTIVITIES])
    resources = np.char.add(
        np.char.add(depts[act].astype(str), "-"), rng.integers(1, 25, len(act)).astype(str)
    )
    instances = pd.DataFrame(
        {
            "instance_id": np.arange(len(act)),
            "case_id": np.char.add("L", case_idx.astype(str)),
            "activity": names[act],
            "department": depts[act],
            "resource": resources,
            "start_ts": pd.to_datetime(starts).tz_localize("UTC"),
            "end_ts": pd.to_datetime(ends).tz_localize("UTC"),
        }
    )
    cases = pd.DataFrame(
        {
            "case_id": np.char.add("L", np.arange(n_cases).astype(str)),
            "amount": np.round(rng.lognormal(12.5, 0.9, n_cases), -3),
            "product": rng.choice(["經營貸", "消費貸", "房貸"], n_cases),
            "branch": rng.choice(["台北", "台中", "高雄", "新竹"], n_cases),
            "channel": rng.choice(["branch", "online", "partner"], n_cases),
        }
    )
    return instances, cases


def write_store(con: duckdb.DuckDBPyConnection, dataset: str, n_cases: int, seed: int = 7) -> int:
    """Insert the synthetic log as ``dataset`` (events, instances, cases); return events."""
    instances, cases = synthetic_instances(n_cases, seed)
    con.register("inst_df", instances)
    con.register("case_df", cases)
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO activity_instances SELECT ?, instance_id, case_id, activity, department,"
        " resource, start_ts, end_ts FROM inst_df",
        [dataset],
    )
    con.execute(
        "INSERT INTO events SELECT ?, row_number() OVER (), case_id, activity, ts, lifecycle,"
        " resource, department, NULL FROM ("
        " SELECT case_id, activity, start_ts AS ts, 'start' AS lifecycle, resource, department,"
        " instance_id, 0 AS k FROM inst_df UNION ALL"
        " SELECT case_id, activity, end_ts, 'complete', resource, department, instance_id, 1"
        " FROM inst_df) ORDER BY instance_id, k",
        [dataset],
    )
    outcomes = PROFILE["outcomes"]
    con.execute(
        """
        INSERT INTO cases
        SELECT ?, c.case_id,
            coalesce(CASE last_act WHEN '放款' THEN 'approved' WHEN '拒絕通知' THEN 'rejected'
                     WHEN '客戶撤回' THEN 'withdrawn' END, 'open'),
            s.first_ts, s.last_ts, c.amount, c.product, c.branch, c.channel,
            to_json({'amount': c.amount, 'product': c.product})
        FROM case_df c JOIN (
            SELECT case_id, min(start_ts) AS first_ts, max(end_ts) AS last_ts,
                arg_max(activity, start_ts) AS last_act
            FROM inst_df GROUP BY case_id
        ) s USING (case_id)
        """,
        [dataset],
    )
    events = len(instances) * 2
    con.execute(
        "INSERT INTO datasets VALUES (?, 'synthetic', 'synthetic', 'instances', ?, now(),"
        " ?, ?, ?, ?, 0, 0)",
        [dataset, json.dumps(PROFILE, ensure_ascii=False), events, events, len(instances), n_cases],
    )
    con.execute("COMMIT")
    con.unregister("inst_df")
    con.unregister("case_df")
    assert outcomes
    return events
