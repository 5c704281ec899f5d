"""The model for the field's tools: BPMN (the flow) and Prosimos's simulation parameters.

The BPMN has one task per activity; after a task an exclusive gateway splits to its next
activities (a loop is a flow back), a task reached from several places is entered through
an exclusive join. Prosimos's JSON gives the branch probabilities (per activity, over all
visits and case attributes: Prosimos's gateways have one set of probabilities), the
processing times (the same fitted distributions), the staff of each department with its
calendar, and the arrivals (exponential inter-arrival times within the hours cases arrive).

What Prosimos does not get: the per-visit and per-attribute branches, the parallel groups
and scenario skips, case owners (Prosimos pools are shared queues), the extraneous and
calibration delays. A model without them simulates alike in both engines (a test checks
it); with them, LoanFlow's own engine is the reference.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np

from analysis.calendar.week import WorkingCalendar, always
from analysis.whatif.model import END, visit_key
from etl.errors import BadInputError

_DAY_NAMES = {
    "Mon": "MONDAY",
    "Tue": "TUESDAY",
    "Wed": "WEDNESDAY",
    "Thu": "THURSDAY",
    "Fri": "FRIDAY",
    "Sat": "SATURDAY",
    "Sun": "SUNDAY",
}
_AUTOMATIC = "automatic"


def _branches(model: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each activity's next activities over all visits (the pooled branch)."""
    states = model["routing"]["states"]
    out = {}
    for activity in model["activities"]:
        state = states.get(visit_key(activity, 0)) or {"next": {END: 1.0}}
        out[activity] = {k: v for k, v in state["next"].items() if v > 0}
    return out


def to_bpmn(model: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The BPMN XML and the ids Prosimos's parameters refer to."""
    activities = sorted(model["activities"])
    task_id = {a: f"task_{i}" for i, a in enumerate(activities)}
    elements: list[str] = [
        '<startEvent id="start" name="start"/>',
        '<endEvent id="end" name="end"/>',
    ]
    flows: list[tuple[str, str, str]] = []
    gateways: dict[str, dict[str, str]] = {}

    def flow(source: str, target: str) -> str:
        fid = f"flow_{len(flows)}"
        flows.append((fid, source, target))
        return fid

    incoming: dict[str, list[str]] = {a: [] for a in [*activities, END]}
    start_next = {
        k: v for k, v in model["routing"]["start"]["next"].items() if k in task_id and v > 0
    }
    edges: list[tuple[str, dict[str, float]]] = [("start", start_next)]
    edges += [(task_id[a], d) for a, d in _branches(model).items()]
    entry = {a: task_id[a] for a in activities} | {END: "end"}
    join_of: dict[str, str] = {}
    for source, dist in edges:
        for target in dist:
            incoming.setdefault(target, []).append(source)
    for target, sources in incoming.items():
        if len(sources) > 1:
            join = f"join_{len(join_of)}"
            join_of[target] = join
            elements.append(f'<exclusiveGateway id="{join}" gatewayDirection="Converging"/>')
            flow(join, entry[target])
    for source, dist in edges:
        targets = [t for t in dist if t in entry]
        if not targets:
            targets, dist = [END], {END: 1.0}
        if len(targets) == 1:
            flow(source, join_of.get(targets[0], entry[targets[0]]))
            continue
        split = f"split_{len(gateways)}"
        elements.append(f'<exclusiveGateway id="{split}" gatewayDirection="Diverging"/>')
        flow(source, split)
        total = sum(dist[t] for t in targets)
        shares = [round(dist[t] / total, 9) for t in targets]
        shares[-1] = round(1.0 - sum(shares[:-1]), 9)
        gateways[split] = {
            flow(split, join_of.get(t, entry[t])): str(p)
            for t, p in zip(targets, shares, strict=True)
        }
    for activity in activities:
        elements.append(f'<task id="{task_id[activity]}" name={quoteattr(activity)}/>')
    body = "\n    ".join(
        elements
        + [f'<sequenceFlow id="{f}" sourceRef="{s}" targetRef="{t}"/>' for f, s, t in flows]
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="loanflow_model" targetNamespace="https://loanflow.invalid/model">\n'
        f'  <process id="loanflow_process" isExecutable="true">\n    {body}\n  </process>\n'
        "</definitions>\n"
    )
    return xml, {"tasks": task_id, "gateways": gateways}


def _distribution(dist: dict[str, Any]) -> dict[str, Any]:
    name = dist["name"]
    if name == "fix":
        values = [dist["mean"]]
    elif name == "expon":
        values = [dist["mean"], dist["min"], dist["max"]]
    elif name == "norm":
        values = [dist["mean"], dist["std"], dist["min"], dist["max"]]
    else:
        values = [dist["mean"], dist["var"], dist["min"], dist["max"]]
    return {"distribution_name": name, "distribution_params": [{"value": float(v)} for v in values]}


def _periods(spans: dict[str, list[list[str]]]) -> list[dict[str, str]]:
    out = []
    for day, day_spans in spans.items():
        for begin, end in day_spans:
            end_time = "23:59:59" if end == "24:00" else f"{end}:00"
            out.append(
                {
                    "from": _DAY_NAMES[day],
                    "to": _DAY_NAMES[day],
                    "beginTime": f"{begin}:00",
                    "endTime": end_time,
                }
            )
    return out


def to_prosimos(model: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    """Prosimos's simulation parameters for the BPMN of :func:`to_bpmn`."""
    tasks = ids["tasks"]
    pools = model["pools"]
    staff: dict[str, list[str]] = {}
    calendars = [
        {
            "id": "always",
            "name": "always",
            "time_periods": _periods(always().days()),
        }
    ]
    for name, pool in sorted(pools.items()):
        staff[name] = [f"{name}_{k}" for k in range(1, int(pool["size"]) + 1)]
        calendars.append(
            {"id": f"cal_{name}", "name": f"cal_{name}", "time_periods": _periods(pool["calendar"])}
        )
    profiles, performance = [], []
    for activity, spec in sorted(model["activities"].items()):
        pool = spec.get("pool")
        members = staff.get(pool or "", [])
        resources = [
            {
                "id": r,
                "name": r,
                "cost_per_hour": 1,
                "amount": 1,
                "calendar": f"cal_{pool}",
                "assigned_tasks": [
                    tasks[a] for a, s in model["activities"].items() if s.get("pool") == pool
                ],
            }
            for r in members
        ] or [
            {
                "id": f"{_AUTOMATIC}_{tasks[activity]}",
                "name": _AUTOMATIC,
                "cost_per_hour": 0,
                "amount": 1000,
                "calendar": "always",
                "assigned_tasks": [tasks[activity]],
            }
        ]
        profiles.append(
            {"id": f"profile_{tasks[activity]}", "name": activity, "resource_list": resources}
        )
        performance.append(
            {
                "task_id": tasks[activity],
                "resources": [
                    {"resource_id": r["id"], **_distribution(spec["duration"])} for r in resources
                ],
            }
        )
    arrivals = model["arrivals"]
    hours = [h for h, rate in enumerate(arrivals["per_hour_of_week"]) if rate > 0]
    open_hours = max(len(hours), 1)
    per_week = max(float(arrivals["per_week"]), 1e-9)
    mean_gap = open_hours * 3600.0 / per_week
    mask = [False] * 672
    for h in hours:
        mask[h * 4 : h * 4 + 4] = [True] * 4
    arrival_calendar = WorkingCalendar.from_mask(mask).days()
    return {
        "model_type": "CRISP",
        "resource_profiles": profiles,
        "arrival_time_distribution": _distribution(
            {"name": "expon", "mean": mean_gap, "min": 0.0, "max": mean_gap * 20}
        ),
        "arrival_time_calendar": _periods(arrival_calendar),
        "gateway_branching_probabilities": [
            {
                "gateway_id": g,
                "probabilities": [{"path_id": f, "value": float(p)} for f, p in paths.items()],
            }
            for g, paths in ids["gateways"].items()
        ],
        "task_resource_distribution": performance,
        "resource_calendars": calendars,
    }


def write_prosimos(model: dict[str, Any], bpmn_path: str, json_path: str | None) -> None:
    """Write the BPMN (and Prosimos's JSON when ``json_path`` is given)."""
    xml, ids = to_bpmn(model)
    try:
        Path(bpmn_path).write_text(xml, encoding="utf-8")
        if json_path:
            Path(json_path).write_text(
                json.dumps(to_prosimos(model, ids), ensure_ascii=False, indent=1), encoding="utf-8"
            )
    except OSError as exc:
        raise BadInputError(
            f"cannot write the exported model: {exc}", code="whatif_export_failed", reason=exc
        ) from exc


def prosimos_comparable(model: dict[str, Any]) -> dict[str, Any]:
    """The model reduced to what Prosimos's format carries, so both engines run the same
    process: no extraneous delays, parallel groups, batching, holidays, skips or case
    owners, routing by first visits only, and arrivals flat over the working hours."""
    plain = copy.deepcopy(model)
    plain.update(delays={}, parallel=[], batching=[], holidays=[], skip=[])
    for pool in plain["pools"].values():
        pool["case_owner"] = False
    states = plain["routing"]["states"]
    plain["routing"] = {
        "start": {"n": 1, "next": plain["routing"]["start"]["next"]},
        "states": {
            k: {"n": v["n"], "next": v["next"]} for k, v in states.items() if k.endswith("#0")
        },
    }
    rates = np.asarray(plain["arrivals"]["per_hour_of_week"])
    working = rates > 0
    plain["arrivals"]["per_hour_of_week"] = np.where(
        working, rates.sum() / working.sum(), 0.0
    ).tolist()
    return plain
