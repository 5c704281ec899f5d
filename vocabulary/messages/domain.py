"""The domain's names: metrics of a comparison (``metric.*``) and loan rules (``rule.*``)."""

from __future__ import annotations

from vocabulary.messages import _m

DOMAIN: dict[str, dict[str, str]] = {
    "outcome.approved": _m("approved", "核准", "批准"),
    "outcome.rejected": _m("rejected", "拒絕", "拒绝"),
    "outcome.withdrawn": _m("withdrawn", "撤回", "撤回"),
    "outcome.open": _m("open", "處理中", "处理中"),
    "rule.other": _m(
        "cases breaking rule: {rule}", "違反規則「{rule}」的案件比例", "违反规则“{rule}”的案件比例"
    ),
    "metric.median_cycle_time_hours": _m(
        "Median cycle time", "案件週期時間中位數", "案件周期时间中位数"
    ),
    "metric.mean_cycle_time_hours": _m("Mean cycle time", "平均案件週期時間", "平均案件周期时间"),
    "metric.p90_cycle_time_hours": _m(
        "90th percentile cycle time", "週期時間第 90 百分位", "周期时间第 90 百分位"
    ),
    "metric.median_cycle_time_working_hours": _m(
        "Median cycle time (working hours)",
        "週期時間中位數（工作時間）",
        "周期时间中位数（工作时间）",
    ),
    "metric.mean_cycle_time_working_hours": _m(
        "Mean cycle time (working hours)", "平均週期時間（工作時間）", "平均周期时间（工作时间）"
    ),
    "metric.mean_time_per_step_hours": _m("Time per step", "每步驟時間", "每步骤时间"),
    "metric.steps_per_case": _m("Steps per case", "每案步驟數", "每案步骤数"),
    "metric.handoffs_per_case": _m("Handoffs per case", "每案交接次數", "每案交接次数"),
    "metric.departments_per_case": _m("Departments per case", "每案經手部門數", "每案经手部门数"),
    "metric.resources_per_case": _m("People involved per case", "每案經辦人數", "每案经办人数"),
    "metric.cost_per_case": _m("Cost per case", "每案成本", "每案成本"),
    "metric.approval_rate": _m(
        "approval rate (approved of decided cases)",
        "核准率（核准占已決案件）",
        "批准率（批准占已决案件）",
    ),
    "metric.withdrawal_rate": _m("withdrawal rate", "撤回率", "撤回率"),
    "metric.open_share": _m("share of open cases", "未結案比例", "未结案比例"),
    "metric.rework_share": _m("rework share", "重工案件比例", "返工案件比例"),
    "metric.pingpong_share": _m("ping-pong share", "來回退件比例", "来回退件比例"),
    "metric.first_time_right_share": _m("first-time-right share", "一次完成比例", "一次完成比例"),
    "metric.sla_compliance": _m("SLA compliance", "SLA 達成率", "SLA 达成率"),
    "metric.variant_distribution": _m("variant distribution", "流程變體分布", "流程变体分布"),
    "metric.default_rate": _m("default rate", "違約率", "违约率"),
    "rule.any": _m(
        "cases breaking any loan rule", "違反任一貸款規則的案件比例", "违反任一贷款规则的案件比例"
    ),
    "rule.decided_without_risk_assessment": _m(
        "cases decided without a risk assessment",
        "未經風險評估即決策的案件比例",
        "未经风险评估即决策的案件比例",
    ),
    "rule.large_loan_without_compliance": _m(
        "large loans decided without compliance review",
        "大額貸款未經合規審查的比例",
        "大额贷款未经合规审查的比例",
    ),
    "rule.approver_is_investigator": _m(
        "cases where the investigator also approved (four eyes broken)",
        "調查人兼任審批人的案件比例（違反四眼原則）",
        "调查人兼任审批人的案件比例（违反四眼原则）",
    ),
    # the KPIs of one selection (``loanflow kpis`` keys, nested keys joined by a dot)
    "kpi.cases": _m("Cases", "案件數", "案件数"),
    "kpi.events": _m("Events", "事件數", "事件数"),
    "kpi.activity_instances": _m("Activity instances", "活動執行次數", "活动执行次数"),
    "kpi.closed_cases": _m("Closed cases", "已結案件數", "已结案件数"),
    "kpi.cycle_time_working_hours.p90": _m(
        "90th percentile cycle time (working hours)",
        "週期時間第 90 百分位（工作時間）",
        "周期时间第 90 百分位（工作时间）",
    ),
    "kpi.outcome_share.approved": _m(
        "Approved (share of all cases)", "核准（占全部案件）", "批准（占全部案件）"
    ),
    "kpi.outcome_share.rejected": _m(
        "Rejected (share of all cases)", "拒絕（占全部案件）", "拒绝（占全部案件）"
    ),
    "kpi.outcome_share.withdrawn": _m(
        "Withdrawn (share of all cases)", "撤回（占全部案件）", "撤回（占全部案件）"
    ),
    "kpi.outcome_share.open": _m(
        "Open (share of all cases)", "處理中（占全部案件）", "处理中（占全部案件）"
    ),
    "kpi.sla_hours": _m("SLA (cycle time)", "SLA（週期時間）", "SLA（周期时间）"),
}
