"""The ground truth of a simulated log, from the simulator's own records.

These figures come from what the engine knows (which instance released which task, when
a task was queued, why a case looped, what each case's outcome and default are), never
from LoanFlow's analysis of the written file, so the analysis can be checked against
them. Durations are calendar hours unless a key says ``working``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sample_logs.activities import ACTIVITY_DEPARTMENT, ACTIVITY_ORDER
from sample_logs.cases import default_probability
from sample_logs.departments import DEPARTMENT_ORDER
from sample_logs.engine import APPROVED, OUTCOME_NAMES, REJECTED, Simulation
from sample_logs.scenarios import COMPLIANCE_THRESHOLD
from sample_logs.tables import department_codes, local_times
from sample_logs.wait_truth import waiting_truth

HOUR = 3600.0


def _hours(seconds: npt.NDArray[np.int64] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(seconds, dtype=np.float64) / HOUR


def _stats(values: npt.NDArray[np.float64]) -> dict[str, float]:
    if len(values) == 0:
        return {"median": 0.0, "mean": 0.0, "p90": 0.0}
    return {
        "median": round(float(np.median(values)), 2),
        "mean": round(float(np.mean(values)), 2),
        "p90": round(float(np.percentile(values, 90)), 2),
    }


def _share(mask: npt.NDArray[np.bool_]) -> float:
    return round(float(mask.mean()), 4) if len(mask) else 0.0


def cycle_times(sim: Simulation) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per case: calendar hours and working hours from first start to last end."""
    inst = sim.instances
    n = sim.case_count
    start_local = local_times(sim, inst.start, False).astype(np.int64)
    end_local = local_times(sim, inst.end, True).astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, inst.case, start_local)
    np.maximum.at(last, inst.case, end_local)
    first_w = np.full(n, np.iinfo(np.int64).max)
    last_w = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first_w, inst.case, inst.start)
    np.maximum.at(last_w, inst.case, inst.end)
    return _hours(last - first), _hours(last_w - first_w)


def pingpong_cases(sim: Simulation) -> npt.NDArray[np.bool_]:
    """Cases whose department sequence contains X, Y, X.

    Instances ordered by start (ties: the earlier end, then the order they started), runs
    of one department collapsed.
    """
    inst = sim.instances
    order = np.lexsort((np.arange(len(inst.case)), inst.end, inst.start, inst.case))
    case = inst.case[order]
    department = department_codes(sim, order)
    keep = np.ones(len(case), dtype=bool)
    keep[1:] = (case[1:] != case[:-1]) | (department[1:] != department[:-1])
    case, department = case[keep], department[keep]
    hit = (case[2:] == case[:-2]) & (department[2:] == department[:-2])
    result = np.zeros(sim.case_count, dtype=bool)
    result[case[:-2][hit]] = True
    return result


def rework_cases(sim: Simulation) -> npt.NDArray[np.bool_]:
    """Cases in which some activity has more than one instance."""
    inst = sim.instances
    key = inst.case * len(ACTIVITY_ORDER) + inst.activity
    unique, counts = np.unique(key, return_counts=True)
    result = np.zeros(sim.case_count, dtype=bool)
    result[(unique[counts > 1] // len(ACTIVITY_ORDER)).astype(np.int64)] = True
    return result


def predecessors(sim: Simulation) -> npt.NDArray[np.int64]:
    """Per instance, its predecessor as DESIGN.md defines it (-1 for none).

    The instance of the same case with the latest end at or before its start; ties: the
    later start. The working clock orders moments exactly as wall-clock time does.
    """
    inst = sim.instances
    span = int(max(inst.end.max(), inst.start.max()) + 1) if len(inst.case) else 1
    order = np.lexsort((inst.start, inst.end, inst.case))
    keys = inst.case[order] * span + inst.end[order]
    position = np.searchsorted(keys, inst.case * span + inst.start, side="right") - 1
    found = position >= 0
    candidate = order[np.where(found, position, 0)]
    same_case = found & (inst.case[candidate] == inst.case)
    result: npt.NDArray[np.int64] = np.where(same_case, candidate, -1)
    return result


def handoffs(sim: Simulation, *, by: str = "release") -> list[dict[str, Any]]:
    """Waits between departments per pair of departments, largest total first.

    ``by="release"``: each instance against the instance whose end released its task
    (what the simulator knows caused it); ``by="predecessor"``: against its predecessor
    as DESIGN.md defines it. The wait runs from that instance's end to this one's start
    (calendar hours) and counts when the department changes.
    """
    inst = sim.instances
    linked = inst.trigger if by == "release" else predecessors(sim)
    released = np.flatnonzero(linked >= 0)
    source = linked[released]
    to_dep = department_codes(sim, released)
    from_dep = department_codes(sim, source)
    cross = to_dep != from_dep
    released, source, to_dep, from_dep = (
        released[cross],
        source[cross],
        to_dep[cross],
        from_dep[cross],
    )
    start = local_times(sim, inst.start[released], False).astype(np.int64)
    end = local_times(sim, inst.end[source], True).astype(np.int64)
    wait = _hours(start - end)
    pairs: list[dict[str, Any]] = []
    for a in range(len(DEPARTMENT_ORDER)):
        for b in range(len(DEPARTMENT_ORDER)):
            mask = (from_dep == a) & (to_dep == b)
            if not mask.any():
                continue
            pairs.append(
                {
                    "from": DEPARTMENT_ORDER[a],
                    "to": DEPARTMENT_ORDER[b],
                    "count": int(mask.sum()),
                    "cases": len(np.unique(inst.case[released[mask]])),
                    "median_wait_hours": round(float(np.median(wait[mask])), 2),
                    "total_wait_hours": round(float(wait[mask].sum()), 1),
                }
            )
    pairs.sort(key=lambda p: (-float(p["total_wait_hours"]), str(p["from"]), str(p["to"])))
    return pairs


def queue_waits(sim: Simulation) -> dict[str, dict[str, float]]:
    """Per department: working hours tasks waited in its queue (or for the committee)."""
    inst = sim.instances
    department = department_codes(sim, np.arange(len(inst.case)))
    wait = _hours(inst.start - inst.queued)
    busy = _hours(inst.end - inst.start)
    span = _hours(np.array([inst.end.max() - inst.start.min()])) if len(inst.case) else np.ones(1)
    result = {}
    for code, name in enumerate(DEPARTMENT_ORDER):
        mask = department == code
        staff = sim.scenario.staff[name]
        manual = mask & (sim.instances.resource != len(sim.resources) - 1)
        result[name] = {
            "staff": staff,
            "instances": int(mask.sum()),
            "median_queue_working_hours": round(float(np.median(wait[mask])), 2)
            if mask.any()
            else 0.0,
            "mean_queue_working_hours": round(float(np.mean(wait[mask])), 2) if mask.any() else 0.0,
            "utilisation": round(float(busy[manual].sum() / (staff * span[0])), 3),
        }
    return result


def ground_truth(sim: Simulation) -> dict[str, Any]:
    """Everything the generator knows about one simulated log, as JSON-ready data."""
    cases = sim.cases
    calendar_hours, working_hours = cycle_times(sim)
    outcome = cases.outcome
    approved = outcome == APPROVED
    decided = approved | (outcome == REJECTED)
    large = cases.attributes.amount > COMPLIANCE_THRESHOLD
    activity_counts = np.bincount(sim.instances.activity, minlength=len(ACTIVITY_ORDER))
    pairs = handoffs(sim)
    by_predecessor = handoffs(sim, by="predecessor")
    expected_default = default_probability(cases.attributes.risk_logit[approved])
    return {
        "scenario": sim.scenario.name,
        "seed": sim.seed,
        "cases": sim.case_count,
        "events": sim.event_count,
        "activity_instances": len(sim.instances.case),
        "cycle_time_hours": _stats(calendar_hours),
        "cycle_time_working_hours": _stats(working_hours),
        "outcome_share": {
            name: _share(outcome == code) for code, name in enumerate(OUTCOME_NAMES) if code
        },
        "approval_rate_of_decided": round(float(approved.sum() / max(1, decided.sum())), 4),
        "default_rate_of_approved": round(float(cases.defaulted[approved].mean()), 4)
        if approved.any()
        else 0.0,
        "expected_default_rate_of_approved": round(float(expected_default.mean()), 4)
        if approved.any()
        else 0.0,
        "rework_share": _share(rework_cases(sim)),
        "pingpong_share": _share(pingpong_cases(sim)),
        "missing_documents_share": _share(cases.missing_document_rounds > 0),
        "reverification_share": _share(cases.reverifications > 0),
        "credit_risk_pingpong_share": _share(cases.send_backs > 0),
        "committee_deferral_share": _share(cases.deferrals > 0),
        "fast_track_share": _share(cases.fast_tracked),
        "large_loan_share": _share(large),
        "guardrail_breaches": {
            "decided_without_risk_assessment": int((cases.skipped_risk & decided).sum()),
            "large_loan_without_compliance": int((cases.skipped_compliance & decided).sum()),
            "approver_is_investigator": int((cases.self_approved & _met_committee(sim)).sum()),
        },
        "dominant_handoff": pairs[0] if pairs else None,
        "handoffs": pairs[:8],
        "dominant_handoff_by_predecessor": by_predecessor[0] if by_predecessor else None,
        "handoffs_by_predecessor": by_predecessor[:8],
        "departments": queue_waits(sim),
        "activity_instances_by_activity": {
            ACTIVITY_ORDER[code]: int(count) for code, count in enumerate(activity_counts) if count
        },
        "activity_department": dict(ACTIVITY_DEPARTMENT),
        "waiting_causes": waiting_truth(sim),
    }


def _met_committee(sim: Simulation) -> npt.NDArray[np.bool_]:
    """Cases with at least one committee decision."""
    met = np.zeros(sim.case_count, dtype=bool)
    meeting = ACTIVITY_ORDER.index("審批會議")
    met[sim.instances.case[sim.instances.activity == meeting]] = True
    return met
