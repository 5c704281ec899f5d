"""A simulation as columns: the event layout or the instance layout, in Chinese or English.

Everything is columnar (numpy and Arrow compute kernels); no Python loop runs per row.
Timestamps are local Asia/Shanghai times with the ``+08:00`` offset.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sample_logs import names
from sample_logs.activities import ACTIVITY_DEPARTMENT, ACTIVITY_ORDER
from sample_logs.arrivals import CHANNELS
from sample_logs.calendar import TIMEZONE, UTC_OFFSET, UTC_OFFSET_SECONDS
from sample_logs.cases import BRANCHES, INDUSTRIES, PRODUCTS
from sample_logs.departments import DEPARTMENT_ORDER
from sample_logs.engine import APPROVED, REJECTED, WITHDRAWN, Simulation

Layout = Literal["events", "instances"]
LAYOUTS: tuple[Layout, ...] = ("events", "instances")
CASE_ATTRIBUTES = (
    "amount",
    "product",
    "industry",
    "branch",
    "channel",
    "credit_score",
    "outcome",
    "default",
)
OUTCOME_CODES = {APPROVED: "批准", REJECTED: "拒絕", WITHDRAWN: "撤回"}


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation of arrays and literal strings (Arrow kernel)."""
    return pc.binary_join_element_wise(*parts, "")


def lookup(dictionary: list[str], codes: npt.NDArray[np.int64]) -> pa.Array:
    """Strings by code (negative codes give nulls)."""
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pc.take(pa.array(dictionary, type=pa.string()), indices)


def case_ids(sim: Simulation) -> list[str]:
    """Application numbers in arrival order, e.g. ``LA2025000001``."""
    width = max(6, len(str(sim.case_count)))
    year = sim.start.year
    return [f"LA{year}{n:0{width}d}" for n in range(1, sim.case_count + 1)]


def timestamp_strings(
    local: npt.NDArray[np.datetime64], *, separator: str = " ", fraction: str = ""
) -> pa.Array:
    """``YYYY-MM-DD hh:mm:ss+08:00`` for local times (second resolution).

    Every text has the same width, so the characters are assembled as a byte matrix
    (date part and clock part looked up in small tables) and handed to Arrow as one
    buffer.
    """
    seconds = local.astype("datetime64[s]").astype(np.int64)
    day, second = np.divmod(seconds, 86_400)
    first = int(day.min()) if len(day) else 0
    span = (int(day.max()) - first + 1) if len(day) else 1
    dates = np.datetime_as_string(np.arange(first, first + span).astype("datetime64[D]"))
    day_text = _byte_table([f"{d}{separator}" for d in dates.tolist()])
    clock = _clock_table(fraction)
    matrix = np.hstack([day_text[day - first], clock[second]])
    width = matrix.shape[1]
    offsets = np.arange(0, width * (len(matrix) + 1), width, dtype=np.int32)
    return pa.StringArray.from_buffers(
        len(matrix), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix))
    )


@functools.cache
def _clock_table(fraction: str) -> npt.NDArray[np.uint8]:
    """``hh:mm:ss{fraction}+08:00`` for every second of a day, as a byte matrix."""
    return _byte_table(
        [
            f"{h:02d}:{m:02d}:{s:02d}{fraction}{UTC_OFFSET}"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
    )


def _byte_table(texts: list[str]) -> npt.NDArray[np.uint8]:
    """Equal-width ASCII texts as a (count, width) byte matrix."""
    data = "".join(texts).encode("ascii")
    return np.frombuffer(data, dtype=np.uint8).reshape(len(texts), -1)


def timestamp_values(local: npt.NDArray[np.datetime64]) -> pa.Array:
    """Timezone-aware Arrow timestamps (Asia/Shanghai) for local times."""
    utc = local.astype("datetime64[s]") - np.timedelta64(UTC_OFFSET_SECONDS, "s")
    return pa.array(utc.astype(np.int64), type=pa.int64()).cast(pa.timestamp("s", tz=TIMEZONE))


def event_order(sim: Simulation) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Instances and lifecycle (True = complete) of the events, by case and time.

    Within a case: by time; a complete before a start at the same moment; then by the
    order the instances started.
    """
    inst = sim.instances
    n = len(inst.case)
    instance = np.concatenate([np.arange(n), np.arange(n)])
    complete = np.concatenate([np.zeros(n, dtype=bool), np.ones(n, dtype=bool)])
    time = np.concatenate([inst.start, inst.end])
    case = inst.case[instance]
    order = np.lexsort((instance, ~complete, time, case))
    return instance[order], complete[order]


def instance_order(sim: Simulation) -> npt.NDArray[np.int64]:
    """Instances by case, start, end, then the order they started."""
    inst = sim.instances
    return np.lexsort((np.arange(len(inst.case)), inst.end, inst.start, inst.case))


def local_times(
    sim: Simulation, working: npt.NDArray[np.int64], ends: npt.NDArray[np.bool_] | bool
) -> npt.NDArray[np.datetime64]:
    """Local wall-clock times of working-clock values (ends map to the closing time)."""
    return sim.calendar.to_local(working, ends=ends)


def activity_names(lang: names.Lang) -> list[str]:
    """Activity names by code."""
    return names.translate(list(ACTIVITY_ORDER), names.ACTIVITIES, lang)


def department_codes(
    sim: Simulation, instances: npt.NDArray[np.int64], *, every_activity: bool = False
) -> npt.NDArray[np.int64]:
    """Department (index into DEPARTMENT_ORDER) of each instance: the activity's department.

    ``every_activity=True`` gives the department of every activity code instead.
    """
    by_activity = np.array([DEPARTMENT_ORDER.index(ACTIVITY_DEPARTMENT[a]) for a in ACTIVITY_ORDER])
    if every_activity:
        return by_activity
    result: npt.NDArray[np.int64] = by_activity[sim.instances.activity[instances]]
    return result


def case_attribute_columns(
    sim: Simulation, case: npt.NDArray[np.int64], lang: names.Lang
) -> dict[str, pa.Array]:
    """The case attributes of the given rows' cases, keyed by canonical name."""
    cases = sim.cases
    attrs = cases.attributes
    outcome_codes = np.array([-1, 0, 1, 2])[cases.outcome]  # open -> null
    outcome_names = names.translate(
        [OUTCOME_CODES[APPROVED], OUTCOME_CODES[REJECTED], OUTCOME_CODES[WITHDRAWN]],
        names.OUTCOMES,
        lang,
    )
    default_code = np.where(cases.outcome == APPROVED, np.where(cases.defaulted, 0, 1), -1)
    default_names = names.translate(["是", "否"], names.DEFAULT_FLAG, lang)
    return {
        "amount": pa.array(attrs.amount[case], type=pa.int64()),
        "product": lookup(
            names.translate(list(PRODUCTS), names.PRODUCTS, lang), attrs.product[case]
        ),
        "industry": lookup(
            names.translate(list(INDUSTRIES), names.INDUSTRIES, lang), attrs.industry[case]
        ),
        "branch": lookup(names.translate(list(BRANCHES), names.BRANCHES, lang), attrs.branch[case]),
        "channel": lookup(
            names.translate(list(CHANNELS), names.CHANNELS, lang), cases.channel[case]
        ),
        "credit_score": pa.array(attrs.credit_score[case], type=pa.int64()),
        "outcome": lookup(outcome_names, outcome_codes[case]),
        "default": lookup(default_names, default_code[case]),
    }


def log_table(
    sim: Simulation,
    layout: Layout = "events",
    lang: names.Lang = "zh",
    *,
    typed_timestamps: bool = False,
) -> pa.Table:
    """The log as one Arrow table, headers in ``lang``.

    ``typed_timestamps`` gives timezone-aware timestamp columns (for Parquet); otherwise
    timestamps are text with the +08:00 offset (for CSV).
    """
    inst = sim.instances

    def stamp(local: npt.NDArray[np.datetime64]) -> pa.Array:
        return timestamp_values(local) if typed_timestamps else timestamp_strings(local)

    columns: dict[str, pa.Array] = {}
    if layout == "events":
        rows, complete = event_order(sim)
        working = np.where(complete, inst.end[rows], inst.start[rows])
        columns["case_id"] = lookup(case_ids(sim), inst.case[rows])
        columns["activity"] = lookup(activity_names(lang), inst.activity[rows])
        columns["timestamp"] = stamp(local_times(sim, working, complete))
        columns["lifecycle"] = lookup(["start", "complete"], complete.astype(np.int64))
    else:
        rows = instance_order(sim)
        columns["case_id"] = lookup(case_ids(sim), inst.case[rows])
        columns["activity"] = lookup(activity_names(lang), inst.activity[rows])
        columns["start_timestamp"] = stamp(local_times(sim, inst.start[rows], False))
        columns["end_timestamp"] = stamp(local_times(sim, inst.end[rows], True))
    columns["resource"] = lookup(sim.resources, inst.resource[rows])
    departments = names.translate(list(DEPARTMENT_ORDER), names.DEPARTMENTS, lang)
    columns["department"] = lookup(departments, department_codes(sim, rows))
    columns.update(case_attribute_columns(sim, inst.case[rows], lang))
    return pa.table({names.column(key, lang): value for key, value in columns.items()})
