"""The Data page's mapping step: what the profile sets (outcomes by end activity, case
attributes, departments by activity, calendar, SLA) and the profile to download."""

from __future__ import annotations

from vocabulary.messages import _m

MAPPING: dict[str, dict[str, str]] = {
    "mapping.title": _m("What the profile sets", "設定檔內容", "配置文件内容"),
    "mapping.help": _m(
        "The load uses these settings; download them as a profile to load the next export "
        "of this system the same way.",
        "載入時會使用以下設定；可下載為設定檔，下次以相同方式載入此系統的匯出檔。",
        "载入时会使用以下设置；可下载为配置文件，下次以相同方式载入此系统的导出文件。",
    ),
    "mapping.attributes": _m("Case attributes", "案件屬性", "案件属性"),
    "mapping.attr.amount": _m("Amount", "金額", "金额"),
    "mapping.attr.product": _m("Product", "產品", "产品"),
    "mapping.attr.branch": _m("Branch", "分行", "分行"),
    "mapping.attr.channel": _m("Channel", "通路", "渠道"),
    "mapping.activities": _m(
        "Outcomes and departments by activity",
        "各活動的結果與部門",
        "各活动的结果与部门",
    ),
    "mapping.activities_help": _m(
        "Activities that end most of their cases come first, with a guess of the outcome they "
        "record: set the outcome of each end activity. A department given here applies where "
        "the log has none.",
        "多數案件以其結束的活動列在最前，並預填推測的結果：請為每個結束活動設定結果。"
        "此處填寫的部門用於日誌中沒有部門的事件。",
        "多数案件以其结束的活动列在最前，并预填推测的结果：请为每个结束活动设置结果。"
        "此处填写的部门用于日志中没有部门的事件。",
    ),
    "mapping.first_rows": _m(
        "Proposed from the first {rows} rows of the file.",
        "依檔案前 {rows} 列提出。",
        "依据文件前 {rows} 行提出。",
    ),
    "mapping.more": _m(
        "{count} more activities are not listed; set them in the profile text below.",
        "另有 {count} 個活動未列出，請在下方設定檔文字中設定。",
        "另有 {count} 个活动未列出，请在下方配置文件文本中设置。",
    ),
    "mapping.col.activity": _m("Activity", "活動", "活动"),
    "mapping.col.ends": _m("Ends cases", "結束案件", "结束案件"),
    "mapping.col.outcome": _m("Outcome", "結果", "结果"),
    "mapping.col.department": _m("Department", "部門", "部门"),
    "mapping.ends": _m(
        "{ending} of {cases} cases", "{cases} 件中的 {ending} 件", "{cases} 件中的 {ending} 件"
    ),
    "mapping.not_outcome": _m("(not an outcome)", "（非結果）", "（非结果）"),
    "mapping.calendar": _m("Working calendar and SLA", "工作日曆與 SLA", "工作日历与 SLA"),
    "mapping.workdays": _m("Working days", "工作日", "工作日"),
    "mapping.hours_from": _m("Working hours from", "工作時間自", "工作时间自"),
    "mapping.hours_to": _m("to", "至", "至"),
    "mapping.sla": _m(
        "SLA: cycle time within (hours)", "SLA：週期時間上限（小時）", "SLA：周期时间上限（小时）"
    ),
    "mapping.timezone": _m(
        "Time zone of times without an offset",
        "未標示時差的時間所屬時區",
        "未标示时差的时间所属时区",
    ),
    "mapping.download": _m("Download profile (YAML)", "下載設定檔（YAML）", "下载配置文件（YAML）"),
}
