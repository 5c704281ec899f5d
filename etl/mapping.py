"""Column mapping: which source column is the case id, the activity, the time, and so on.

Columns are guessed from their headers (XES keys, common English and Chinese headers in
Traditional and Simplified script) and set exactly by the profile's ``columns`` and
``case_attributes``. A profile naming a column the file lacks is refused with the list of
the columns found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from etl.errors import BadInputError, Phrase, Phrases, ProfileError
from etl.profile import Profile

_NOISE = re.compile(r"[\s_\-.:/()（）\[\]【】]+")

# Canonical field -> header synonyms, most specific first (compared after normalising).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "case_id": (
        "case:concept:name",
        "case_id",
        "caseid",
        "case",
        "case_no",
        "case_number",
        "application_id",
        "application",
        "application_no",
        "application_number",
        "app_id",
        "loan_id",
        "loan_no",
        "trace_id",
        "申請編號",
        "申请编号",
        "案件編號",
        "案件编号",
        "申請號",
        "申请号",
        "案件號",
        "案件号",
        "申請單號",
        "申请单号",
        "貸款編號",
        "贷款编号",
        "業務編號",
        "业务编号",
        "進件編號",
        "进件编号",
        "案號",
        "案号",
        "流水號",
        "流水号",
    ),
    "activity": (
        "concept:name",
        "activity",
        "activity_name",
        "task",
        "task_name",
        "step",
        "step_name",
        "action",
        "event",
        "event_name",
        "operation",
        "活動",
        "活动",
        "環節",
        "环节",
        "活動名稱",
        "活动名称",
        "環節名稱",
        "环节名称",
        "步驟",
        "步骤",
        "節點",
        "节点",
        "流程節點",
        "流程节点",
        "任務",
        "任务",
        "作業",
        "作业",
        "操作",
    ),
    "start_timestamp": (
        "start_timestamp",
        "start_time",
        "starttime",
        "start",
        "begin_time",
        "begin",
        "started_at",
        "start_date",
        "開始時間",
        "开始时间",
        "起始時間",
        "起始时间",
        "開始日期",
        "开始日期",
    ),
    "end_timestamp": (
        "end_timestamp",
        "end_time",
        "endtime",
        "end",
        "complete_time",
        "completion_time",
        "completed_at",
        "finish_time",
        "finished_at",
        "ended_at",
        "end_date",
        "結束時間",
        "结束时间",
        "完成時間",
        "完成时间",
        "結束日期",
        "结束日期",
    ),
    "timestamp": (
        "time:timestamp",
        "timestamp",
        "time",
        "datetime",
        "event_time",
        "date",
        "ts",
        "時間",
        "时间",
        "發生時間",
        "发生时间",
        "操作時間",
        "操作时间",
        "日期時間",
        "日期时间",
        "時間戳",
        "时间戳",
        "處理時間",
        "处理时间",
        "日期",
    ),
    "lifecycle": (
        "lifecycle:transition",
        "lifecycle",
        "transition",
        "event_type",
        "生命週期",
        "生命周期",
        "事件類型",
        "事件类型",
    ),
    "resource": (
        "org:resource",
        "resource",
        "user",
        "user_id",
        "username",
        "performer",
        "employee",
        "staff",
        "handler",
        "operator",
        "assignee",
        "經辦人",
        "经办人",
        "處理人",
        "处理人",
        "操作人",
        "操作員",
        "操作员",
        "審批人",
        "审批人",
        "負責人",
        "负责人",
        "經手人",
        "经手人",
        "員工",
        "员工",
    ),
    "department": (
        "org:group",
        "org:role",
        "department",
        "dept",
        "group",
        "role",
        "team",
        "unit",
        "division",
        "部門",
        "部门",
        "科室",
        "處室",
        "处室",
        "單位",
        "单位",
        "團隊",
        "团队",
        "組別",
        "组别",
        "角色",
    ),
}

CASE_ATTRIBUTE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "amount": (
        "amount_req",
        "amount",
        "loan_amount",
        "requested_amount",
        "amount_requested",
        "貸款金額",
        "贷款金额",
        "申請金額",
        "申请金额",
        "借款金額",
        "借款金额",
        "金額",
        "金额",
    ),
    "product": (
        "product",
        "loan_product",
        "product_type",
        "產品",
        "产品",
        "貸款產品",
        "贷款产品",
        "產品類型",
        "产品类型",
        "貸款類型",
        "贷款类型",
    ),
    "branch": ("branch", "office", "分行", "支行", "網點", "网点", "營業網點", "营业网点"),
    "channel": ("channel", "渠道", "通路", "管道", "進件渠道", "进件渠道"),
}
CASE_ATTRIBUTES = tuple(CASE_ATTRIBUTE_SYNONYMS)
XES_CASE_PREFIX = "case:"
REQUIRED = ("case_id", "activity", "timestamp")
_FIELD_WORDS = {
    "case_id": "case id",
    "activity": "activity",
    "timestamp": "timestamp",
    "start_timestamp": "start timestamp",
    "lifecycle": "lifecycle",
    "resource": "resource",
    "department": "department",
}


def normalise(header: str) -> str:
    """A header reduced for comparison: lower case, without spaces, underscores, colons."""
    return _NOISE.sub("", header.strip().lower())


def _strip_case_prefix(header: str) -> str:
    return header[len(XES_CASE_PREFIX) :] if header.startswith(XES_CASE_PREFIX) else header


@dataclass(frozen=True)
class Mapping:
    """The mapping used for one load: canonical field -> source column, and the layout.

    ``layout`` is ``events`` (one row per event) or ``instances`` (one row per activity
    instance, with start and end columns). ``guessed`` names the fields that were guessed
    rather than set by the profile.
    """

    columns: dict[str, str]
    layout: str
    case_attributes: dict[str, str] = field(default_factory=dict)
    guessed: tuple[str, ...] = ()

    def column(self, name: str) -> str | None:
        """The source column of a canonical field, or None."""
        return self.columns.get(name)

    def mapped_columns(self) -> set[str]:
        """Every source column the mapping uses for a canonical field."""
        return set(self.columns.values())

    def to_json(self) -> dict[str, Any]:
        """The mapping as plain data (profile-shaped ``columns`` and ``case_attributes``)."""
        return {
            "columns": dict(self.columns),
            "case_attributes": dict(self.case_attributes),
            "layout": self.layout,
            "guessed": list(self.guessed),
        }


def _find(columns: list[str], synonyms: tuple[str, ...], taken: set[str]) -> str | None:
    """The first free column matching a synonym exactly, else one containing a synonym."""
    by_norm: dict[str, str] = {}
    for col in columns:
        if col not in taken:
            by_norm.setdefault(normalise(col), col)
    for word in synonyms:
        hit = by_norm.get(normalise(word))
        if hit is not None:
            return hit
    for word in synonyms:
        key = normalise(word)
        if len(key) < 2 or (key.isascii() and len(key) < 5):
            continue
        for norm, col in by_norm.items():
            if key in norm:
                return col
    return None


def _check_named(columns: list[str], field_name: str | Phrase, column: str) -> None:
    if column not in columns:
        found = _found(columns)
        raise ProfileError(
            f"The profile maps {field_name} to the column {column!r}, which is not in the "
            f"file. Columns found: {found}. Fix the profile's column name (it must match "
            "the header exactly).",
            code="profile_column_missing",
            field_name=field_name,
            column=column,
            found=found,
        )


def _guess_times(columns: list[str], taken: set[str]) -> dict[str, str]:
    start = _find(columns, SYNONYMS["start_timestamp"], taken)
    end = _find(columns, SYNONYMS["end_timestamp"], taken | ({start} if start else set()))
    if start and end:
        return {"start_timestamp": start, "timestamp": end}
    plain = _find(columns, SYNONYMS["timestamp"], taken | {c for c in (start, end) if c})
    chosen = plain or end or start
    return {"timestamp": chosen} if chosen else {}


def guess_columns(columns: list[str], profile: Profile) -> tuple[dict[str, str], list[str]]:
    """Canonical field -> column, from the profile where it says, guessed elsewhere.

    Returns the mapping and the fields that were guessed.
    """
    explicit = {k: v for k, v in profile.columns.model_dump().items() if v}
    for name, column in explicit.items():
        _check_named(columns, name, column)
    result = dict(explicit)
    taken = set(explicit.values())
    guessed: list[str] = []

    def take(name: str, column: str | None) -> None:
        if column is not None and name not in result:
            result[name] = column
            taken.add(column)
            guessed.append(name)

    take("case_id", _find(columns, SYNONYMS["case_id"], taken))
    if "timestamp" not in result:
        for name, column in _guess_times(columns, taken).items():
            take(name, column)
    elif "start_timestamp" not in result:
        take("start_timestamp", _find(columns, SYNONYMS["start_timestamp"], taken))
    for name in ("activity", "lifecycle", "resource", "department"):
        if name not in result:
            take(name, _find(columns, SYNONYMS[name], taken))
    return result, guessed


# The canonical fields as a message names them, worded in the catalogue too.
_FIELD_PHRASES = {
    "case_id": Phrase("case id", code="field_case_id"),
    "activity": Phrase("activity", code="field_activity"),
    "timestamp": Phrase("timestamp", code="field_timestamp"),
    "start_timestamp": Phrase("start timestamp", code="field_start_timestamp"),
    "lifecycle": Phrase("lifecycle", code="field_lifecycle"),
    "resource": Phrase("resource", code="field_resource"),
    "department": Phrase("department", code="field_department"),
}


def _found(columns: list[str]) -> str | Phrase:
    """The columns of a file, as a message lists them."""
    return ", ".join(columns) or Phrase("(none)", code="no_columns")


def _missing_error(missing: list[str], columns: list[str]) -> BadInputError:
    words = Phrases([_FIELD_PHRASES[m] for m in missing], ", ")
    found = _found(columns)
    example = Phrases(
        [Phrase(f"  {m}: <column name>", code="profile_example_column", field=m) for m in missing]
    )
    return BadInputError(
        f"No column for the {words} could be found. Columns in the file: {found}. "
        f"Name them in a profile (--profile FILE):\ncolumns:\n{example}",
        code="columns_missing",
        words=words,
        found=found,
        example=example,
    )


def guess_case_attributes(columns: list[str], profile: Profile, taken: set[str]) -> dict[str, str]:
    """Canonical case attribute (amount, product, branch, channel) -> source column."""
    result: dict[str, str] = {}
    for name, column in profile.case_attributes.items():
        attribute = Phrase(f"case attribute {name}", code="field_case_attribute", name=name)
        _check_named(columns, attribute, column)
        result[name] = column
    used = set(taken) | set(result.values())
    for name, synonyms in CASE_ATTRIBUTE_SYNONYMS.items():
        if name in result:
            continue
        stripped = [_strip_case_prefix(c) for c in columns]
        hit = _find(stripped, synonyms, {_strip_case_prefix(c) for c in used})
        if hit is not None:
            column = columns[stripped.index(hit)]
            result[name] = column
            used.add(column)
    return result


def resolve_mapping(columns: list[str], profile: Profile) -> Mapping:
    """The mapping for a file with these columns under this profile.

    Raises :class:`BadInputError` when no case id, activity or timestamp column is found,
    and :class:`ProfileError` when the profile names a column the file lacks.
    """
    mapped, guessed = guess_columns(columns, profile)
    missing = [name for name in REQUIRED if name not in mapped]
    if missing:
        raise _missing_error(missing, columns)
    if len(set(mapped.values())) != len(mapped):
        dupes = sorted({c for c in mapped.values() if list(mapped.values()).count(c) > 1})
        raise ProfileError(
            f"The column(s) {', '.join(dupes)} are mapped to more than one field; "
            "each field needs its own column.",
            code="profile_column_twice",
            columns=", ".join(dupes),
        )
    layout = "instances" if "start_timestamp" in mapped else "events"
    attributes = guess_case_attributes(columns, profile, set(mapped.values()))
    ordered = {name: mapped[name] for name in _FIELD_WORDS if name in mapped}
    return Mapping(ordered, layout, attributes, tuple(guessed))
