"""The "Why waiting" page's labels and its plain-language reading of the causes."""

from __future__ import annotations

from vocabulary.messages import _m

WAITS: dict[str, dict[str, str]] = {
    "nav.waits": _m("Why waiting", "等待原因", "等待原因"),
    "waits.title": _m("Why applications wait", "申請為何等待", "申请为何等待"),
    "waits.by": _m("Show", "顯示", "显示"),
    "waits.by_handoff": _m("Handoffs", "部門交接", "部门交接"),
    "waits.by_activity": _m("Activities", "活動", "活动"),
    "waits.unit": _m("Unit", "單位", "单位"),
    "waits.hours": _m("Hours", "小時", "小时"),
    "waits.share": _m("Share", "占比", "占比"),
    "waits.reading": _m("What it says", "解讀", "解读"),
    "waits.causes_chart": _m(
        "Causes of waiting, ranked by the hours a remedy could save",
        "等待原因（依可改善時數排序）",
        "等待原因（按可改善时数排序）",
    ),
    "waits.calendars": _m(
        "When each department works (discovered calendars)",
        "各部門工作時間（自動發現的工作日曆）",
        "各部门工作时间（自动发现的工作日历）",
    ),
    "waits.batches": _m("Batches", "批次處理", "批次处理"),
    "waits.table": _m("Waiting causes", "等待原因明細", "等待原因明细"),
    "waits.case": _m("One case's waits", "單一案件的等待", "单一案件的等待"),
    "waits.work_starts": _m("work starts", "開始處理", "开始处理"),
    "waits.case_id": _m("Case id", "案件編號", "案件编号"),
    "waits.case_none": _m(
        "Enter a case id to see each of its waits split by cause.",
        "輸入案件編號，查看其每段等待的原因。",
        "输入案件编号，查看其每段等待的原因。",
    ),
    "waits.case_unknown": _m(
        "No case {case} with waits in this view.",
        "此檢視中沒有案件 {case} 的等待。",
        "此视图中没有案件 {case} 的等待。",
    ),
    "waits.addressable": _m("Hours a remedy could save", "可改善時數", "可改善时数"),
    "waits.wait_hours": _m("Waiting (h)", "等待（小時）", "等待（小时）"),
    "waits.main_cause": _m("Main cause", "主要原因", "主要原因"),
    "waits.all_busy": _m("Whole department busy", "全部門皆忙碌", "全部门皆忙碌"),
    "waits.instances": _m("Instances", "次數", "次数"),
    "waits.pair": _m("Handoff", "交接", "交接"),
    "waits.activity": _m("Activity", "活動", "活动"),
    "waits.department": _m("Department", "部門", "部门"),
    "waits.batch_count": _m("Batches", "批次數", "批次数"),
    "waits.batch_mean": _m("Mean size", "平均件數", "平均件数"),
    "waits.batch_max": _m("Largest", "最大件數", "最大件数"),
    "waits.batch_week": _m("Per week", "每週批次", "每周批次"),
    "waits.none": _m("No waiting in this view.", "此檢視中沒有等待。", "此视图中没有等待。"),
    "waits.weekday_hour": _m("Weekday and hour", "星期與時段", "星期与时段"),
    "cause.batching": _m("batching", "批次等待", "批次等待"),
    "cause.contention": _m("contention", "資源競爭", "资源竞争"),
    "cause.prioritization": _m("prioritization", "插隊優先", "插队优先"),
    "cause.unavailability": _m("unavailability", "非工作時間", "非工作时间"),
    "cause.extraneous": _m("extraneous", "外部因素", "外部因素"),
    "remedy.batching": _m(
        "more meetings or delegated approval limits",
        "增加會議頻次或授權審批額度",
        "增加会议频次或授权审批额度",
    ),
    "remedy.contention": _m(
        "more staff, balancing the load, fewer re-verifications",
        "增加人手、平衡工作量、減少重複核查",
        "增加人手、平衡工作量、减少重复核查",
    ),
    "remedy.prioritization": _m("clear queue rules", "明確的排隊規則", "明确的排队规则"),
    "remedy.unavailability": _m(
        "working hours or shifts", "調整工作時間或排班", "调整工作时间或排班"
    ),
    "remedy.extraneous": _m(
        "the outside dependency (customer, third party, system)",
        "外部依賴（客戶、第三方、系統）",
        "外部依赖（客户、第三方、系统）",
    ),
    "waits.sentence": _m(
        "{name}: {hours} h of waiting, mostly {cause} ({share}); then {cause2} ({share2}). "
        "Remedy: {remedy}.",
        "{name}：共等待 {hours} 小時，主要是{cause}（{share}），其次是{cause2}（{share2}）。"
        "改善方向：{remedy}。",
        "{name}：共等待 {hours} 小时，主要是{cause}（{share}），其次是{cause2}（{share2}）。"
        "改善方向：{remedy}。",
    ),
    "waits.sentence_busy": _m(
        "The whole of {department} was busy during {share} of it: a staffing signal.",
        "其中 {share} 的時間{department}全員忙碌：人手不足的訊號。",
        "其中 {share} 的时间{department}全员忙碌：人手不足的信号。",
    ),
    "waits.main_cause_short": _m("main cause: {cause}", "主因：{cause}", "主因：{cause}"),
    "waits.per_case": _m("Waiting hours per case", "每案等待小時", "每案等待小时"),
    "waits.compare_note": _m(
        "Hours of waiting per case at each handoff, before and after, split by cause: "
        "did the change cut batching, or only contention?",
        "各交接每案的等待小時（前後對比），依原因拆分：改革減少的是批次等待，還是只有資源競爭？",
        "各交接每案的等待小时（前后对比），按原因拆分：改革减少的是批次等待，还是只有资源竞争？",
    ),
    "waits.compare_title": _m(
        "How the causes of waiting changed", "等待原因的變化", "等待原因的变化"
    ),
}
