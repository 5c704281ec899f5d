"""Scenario files: the changes to try on a discovered model (DESIGN.md, "What if").

```yaml
name: joint review and more meetings
changes:
  staff: {風險管理部: "+2", 信貸部: 20}        # relative or absolute head count
  calendar: {審批委員會: {days: [Mon, Wed, Fri], hours: ["14:00", "17:30"]}}
  routing:                                     # branch probabilities after an activity
    - {after: 資料審核, to: 補件通知, probability: 0.10}
    - {after: 風險評估, to: 風險複核, scale: 0.2}
  parallel: [[信貸調查, 風險評估]]            # run side by side once enabled
  skip: [{activity: 審批會議, when: "amount <= 600000"}]   # optional to: where it goes instead
  durations: {信貸調查: 0.9}                   # processing time multipliers
  arrivals: 2.0                                # arrival-rate multiplier
  pooled: [信貸部, 風險管理部]                 # one shared queue instead of case owners
```

:func:`load_scenario` validates the file and names the known departments and activities
when one is unknown; :func:`apply_scenario` returns the changed model (a copy).
"""

from __future__ import annotations

import ast
import copy
import operator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import yaml

from analysis.calendar.week import WorkingCalendar
from analysis.whatif.distributions import scaled
from analysis.whatif.model import END
from etl.errors import BadInputError, Phrase

_KEYS = ("staff", "calendar", "routing", "parallel", "skip", "durations", "arrivals", "pooled")

# A scenario typed on the dashboard or passed as data, as its messages name it.
SCENARIO = Phrase("the scenario", code="source_scenario")


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Read a scenario file (YAML); a clear error when it cannot be one."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInputError(
            f"scenario file {path} does not exist", code="scenario_file_missing", path=path
        ) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BadInputError(
            f"{path} is not a readable YAML scenario: {exc}",
            code="scenario_file_unreadable",
            path=path,
            reason=exc,
        ) from exc
    return parse_scenario(data, str(path))


def scenario_from_text(text: str, source: str | Phrase = SCENARIO) -> dict[str, Any]:
    """A scenario from YAML text (an upload, the dashboard's editor)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInputError(
            f"{source} is not readable YAML: {exc}",
            code="scenario_not_yaml",
            source=source,
            reason=exc,
        ) from exc
    return parse_scenario(data, source)


def parse_scenario(data: Any, source: str | Phrase = SCENARIO) -> dict[str, Any]:
    """Check the shape of a scenario (a mapping with ``changes``)."""
    if not isinstance(data, dict) or not isinstance(data.get("changes", {}), dict):
        raise BadInputError(
            f"{source} must be a mapping with name: and changes: (see docs/whatif.md)",
            code="scenario_not_mapping",
            source=source,
        )
    changes = data.get("changes") or {}
    unknown = sorted(set(changes) - set(_KEYS))
    if unknown:
        raise BadInputError(
            f"{source}: unknown change {', '.join(unknown)}; known: {', '.join(_KEYS)}",
            code="scenario_unknown_change",
            source=source,
            unknown=", ".join(unknown),
            known=", ".join(_KEYS),
        )
    return {"name": str(data.get("name") or Path(str(source)).stem), "changes": changes}


def _known(kind: str, name: str, known: list[str], source: str | Phrase) -> None:
    if name in known:
        return
    listed = ", ".join(sorted(known))
    if kind == "activity":
        raise BadInputError(
            f"{source}: unknown activity {name!r}; known activities: {listed}",
            code="scenario_unknown_activity",
            source=source,
            name=name,
            listed=listed,
        )
    raise BadInputError(
        f"{source}: unknown department {name!r}; known departments: {listed}",
        code="scenario_unknown_department",
        source=source,
        name=name,
        listed=listed,
    )


def apply_scenario(
    model: dict[str, Any], scenario: dict[str, Any], source: str | Phrase = SCENARIO
) -> dict[str, Any]:
    """The model with the scenario's changes applied (the input is not changed)."""
    out = copy.deepcopy(model)
    changes = scenario.get("changes", {})
    pools = sorted(out["pools"])
    activities = sorted(out["activities"])
    for department, value in (changes.get("staff") or {}).items():
        _known("department", str(department), pools, source)
        out["pools"][department]["size"] = _head_count(
            out["pools"][department]["size"], value, str(department), source
        )
    for department, spec in (changes.get("calendar") or {}).items():
        _known("department", str(department), pools, source)
        out["pools"][department]["calendar"] = _calendar(spec, str(department), source)
    for department in changes.get("pooled") or []:
        _known("department", str(department), pools, source)
        out["pools"][department]["case_owner"] = False
    for rule in changes.get("routing") or []:
        _routing_rule(out, rule, activities, source)
    groups = [list(g) for g in changes.get("parallel") or []]
    for group in groups:
        for activity in group:
            _known("activity", str(activity), activities, source)
    out["parallel"] = [*out.get("parallel", []), *groups]
    skips = []
    for rule in changes.get("skip") or []:
        if not isinstance(rule, dict) or "activity" not in rule:
            raise BadInputError(
                f"{source}: a skip is {{activity: NAME, when: CONDITION}}",
                code="scenario_skip_form",
                source=source,
            )
        _known("activity", str(rule["activity"]), activities, source)
        when = str(rule.get("when", "True"))
        check_condition(when, out["case_attributes"]["columns"], source)
        entry = {"activity": str(rule["activity"]), "when": when, "to": None}
        if rule.get("to") is not None:
            _known("activity", str(rule["to"]), activities, source)
            entry["to"] = str(rule["to"])
        skips.append(entry)
    out["skip"] = [*out.get("skip", []), *skips]
    for activity, factor in (changes.get("durations") or {}).items():
        _known("activity", str(activity), activities, source)
        spec = out["activities"][activity]
        spec["duration"] = scaled(
            spec["duration"], _positive(factor, f"durations.{activity}", source)
        )
    if "arrivals" in changes:
        factor = _positive(changes["arrivals"], "arrivals", source)
        rates = out["arrivals"]["per_hour_of_week"]
        out["arrivals"]["per_hour_of_week"] = [r * factor for r in rates]
        out["arrivals"]["per_week"] = out["arrivals"]["per_week"] * factor
    return out


def _positive(value: Any, what: str, source: str | Phrase) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not number > 0:
        raise BadInputError(
            f"{source}: {what} must be a positive number, not {value!r}",
            code="scenario_not_positive",
            source=source,
            what=what,
            value=value,
        )
    return number


def _head_count(current: int, value: Any, department: str, source: str | Phrase) -> int:
    text = str(value).strip()
    try:
        count = current + int(text) if text[:1] in "+-" else int(text)
    except ValueError as exc:
        raise BadInputError(
            f"{source}: staff of {department} is {value!r}; write a head count (20) "
            'or a change ("+2", "-1")',
            code="scenario_staff_value",
            source=source,
            department=department,
            value=value,
        ) from exc
    if count < 1:
        raise BadInputError(
            f"{source}: {department} would have {count} people; at least 1",
            code="scenario_staff_below_one",
            source=source,
            department=department,
            count=count,
        )
    return count


def _calendar(spec: Any, department: str, source: str | Phrase) -> dict[str, list[list[str]]]:
    if not isinstance(spec, dict) or "days" not in spec or "hours" not in spec:
        raise BadInputError(
            f"{source}: calendar of {department} is "
            '{days: [Mon, ...], hours: ["09:00", "17:30"]}',
            code="scenario_calendar_form",
            source=source,
            department=department,
        )
    try:
        hours = [str(h) for h in spec["hours"]]
        calendar = WorkingCalendar.from_days({str(d): hours for d in spec["days"]})
    except (ValueError, TypeError) as exc:
        raise BadInputError(
            f"{source}: calendar of {department}: {exc}",
            code="scenario_calendar_invalid",
            source=source,
            department=department,
            reason=exc,
        ) from exc
    return calendar.days()


def _routing_rule(
    model: dict[str, Any], rule: Any, activities: list[str], source: str | Phrase
) -> None:
    if not isinstance(rule, dict) or "after" not in rule or "to" not in rule:
        raise BadInputError(
            f"{source}: a routing change is {{after: A, to: B, probability: p}}"
            " or {after: A, to: B, scale: s}",
            code="scenario_routing_form",
            source=source,
        )
    after, to = str(rule["after"]), str(rule["to"])
    _known("activity", after, activities, source)
    _known("activity", to, activities, source)
    states = model["routing"]["states"]
    kept = set((model["routing"].get("withdrawal") or {}).get("activities", [])) - {to}
    touched = False
    for key, branch in states.items():
        if key.rpartition("#")[0] != after:
            continue
        for dist in _distributions(branch):
            if to not in dist and "probability" not in rule:
                continue
            _reweight(dist, to, rule, source, kept)
            touched = True
    if not touched:
        raise BadInputError(
            f"{source}: the log never goes from {after} to {to}",
            code="scenario_no_such_path",
            source=source,
            after=after,
            to=to,
        )


def _distributions(branch: dict[str, Any]) -> list[dict[str, float]]:
    """Every probability table of a branch: its own and those of its splits' sides."""
    out = [branch["next"]]
    split = branch.get("split")
    if split:
        sides = [split[k] for k in ("below", "above", "other") if k in split]
        for side in [*sides, *split.get("by_level", {}).values()]:
            out += _distributions(side)
    return out


def _reweight(
    dist: dict[str, float], to: str, rule: dict[str, Any], source: str | Phrase, kept: set[str]
) -> None:
    """Set or scale the chance of going ``to``; the other branches are rescaled to add up,
    except the ``kept`` ones (customers' withdrawals), whose chance stays as it was."""
    old = dist.get(to, 0.0)
    if "probability" in rule:
        new = float(rule["probability"])
    elif "scale" in rule:
        new = old * float(rule["scale"])
    else:
        raise BadInputError(
            f"{source}: routing change {rule} needs probability or scale",
            code="scenario_routing_needs",
            source=source,
            rule=rule,
        )
    if not 0.0 <= new <= 1.0:
        raise BadInputError(
            f"{source}: probability {new} after scaling is not in [0, 1]",
            code="scenario_probability_range",
            source=source,
            new=new,
        )
    fixed = min(sum(v for k, v in dist.items() if k in kept), 1.0 - new)
    rest = sum(v for k, v in dist.items() if k != to and k not in kept)
    if rest <= 0 and new + fixed < 1.0:
        dist[END if to != END else to] = dist.get(END, 0.0) + (1.0 - new - fixed)
        rest = 1.0 - new - fixed
    factor = (1.0 - new - fixed) / rest if rest > 0 else 0.0
    held = sum(v for k, v in dist.items() if k in kept)
    for key in list(dist):
        if key in kept:
            dist[key] = dist[key] * (fixed / held if held > 0 else 0.0)
        elif key != to:
            dist[key] = dist[key] * factor
    dist[to] = new


# -- conditions ------------------------------------------------------------------------
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def check_condition(text: str, columns: list[str], source: str | Phrase = SCENARIO) -> None:
    """Raise BadInputError unless ``text`` is a condition over the known case attributes."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise BadInputError(
            f"{source}: cannot read the condition {text!r}",
            code="scenario_condition_unreadable",
            source=source,
            text=text,
        ) from exc
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name)
            and node.id not in columns
            and node.id not in ("True", "False")
        ):
            known = ", ".join(columns)
            raise BadInputError(
                f"{source}: condition {text!r} names {node.id!r}; known case attributes: {known}",
                code="scenario_condition_unknown_name",
                source=source,
                text=text,
                attribute=node.id,
                known=known,
            )
        if not isinstance(
            node,
            (
                ast.Expression,
                ast.BoolOp,
                ast.And,
                ast.Or,
                ast.Compare,
                ast.Name,
                ast.Constant,
                ast.Load,
                ast.UnaryOp,
                ast.Not,
                *tuple(_COMPARE),
            ),
        ):
            raise BadInputError(
                f"{source}: condition {text!r} may only compare case attributes "
                "(amount <= 600000 and product == '信用貸')",
                code="scenario_condition_compare",
                source=source,
                text=text,
            )


def evaluate_condition(
    text: str, columns: list[str], rows: list[list[Any]]
) -> npt.NDArray[np.bool_]:
    """Whether each case (a row of attribute values) meets the condition."""
    tree = ast.parse(text, mode="eval").body
    index = {c: i for i, c in enumerate(columns)}
    return np.array([bool(_eval(tree, row, index)) for row in rows], dtype=bool)


def _eval(node: ast.AST, row: list[Any], index: dict[str, int]) -> Any:
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, row, index) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, row, index)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, row, index)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, row, index)
            try:
                if left is None or right is None or not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            return node.id == "True"
        return row[index[node.id]]
    if isinstance(node, ast.Constant):
        return node.value
    raise ValueError("unsupported condition")


def scenario_names(con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[list[str], list[str]]:
    """The department (pool) names and the activity names a scenario of ``dataset`` may
    use. Without departments the model's pools are named after the activity their people
    do most, so the activities done by people stand in for departments."""

    def distinct(column: str, having: str) -> list[str]:
        rows = con.execute(
            f"SELECT DISTINCT {column} FROM activity_instances WHERE dataset = ?"
            f" AND {having} IS NOT NULL ORDER BY 1",
            [dataset],
        ).fetchall()
        return [str(r[0]) for r in rows]

    departments = distinct("department", "department") or distinct("activity", "resource")
    return departments, distinct("activity", "activity")
