"""The dashboard's labels and messages: shell, filters and one section per page."""

from __future__ import annotations

from vocabulary.messages import _m

DASHBOARD: dict[str, dict[str, str]] = {
    # shell
    "app.title": _m("LoanFlow", "LoanFlow 貸款流程", "LoanFlow 贷款流程"),
    "app.tagline": _m("Process mining for loan approval", "貸款審批流程挖掘", "贷款审批流程挖掘"),
    "nav.overview": _m("Overview", "總覽", "总览"),
    "nav.process_map": _m("Process map", "流程圖", "流程图"),
    "nav.handoffs": _m("Handoffs", "部門交接", "部门交接"),
    "nav.bottlenecks": _m("Bottlenecks", "瓶頸", "瓶颈"),
    "nav.variants": _m("Variants", "流程變體", "流程变体"),
    "nav.cases": _m("Cases", "案件", "案件"),
    "nav.compare": _m("Compare", "前後比較", "前后比较"),
    "nav.conformance": _m("Conformance", "合規檢查", "合规检查"),
    "nav.data": _m("Data", "資料", "数据"),
    "nav.admin": _m("Admin", "管理", "管理"),
    "nav.sign_out": _m("Sign out", "登出", "退出登录"),
    "filter.dataset": _m("Dataset", "資料集", "数据集"),
    "filter.period": _m("Period", "期間", "期间"),
    "filter.period_start": _m("From", "起", "起"),
    "filter.period_end": _m("To", "迄", "止"),
    "filter.product": _m("Product", "產品", "产品"),
    "filter.amount": _m("Amount band", "金額區間", "金额区间"),
    "filter.outcome": _m("Outcome", "結果", "结果"),
    "filter.department": _m("Department", "部門", "部门"),
    "filter.all": _m("All", "全部", "全部"),
    "filter.reset": _m("Reset filters", "清除篩選", "清除筛选"),
    "filter.none_datasets": _m(
        "No dataset loaded yet: open Data to load a log.",
        "尚未載入資料集：請到「資料」頁載入事件日誌。",
        "尚未载入数据集：请到“数据”页载入事件日志。",
    ),
    "lang.label": _m("Language", "語言", "语言"),
    "action.print": _m("Print", "列印", "打印"),
    "action.download_png": _m("Download PNG", "下載圖檔（PNG）", "下载图片（PNG）"),
    "action.download_csv": _m("Download CSV", "下載 CSV", "下载 CSV"),
    "action.download_xlsx": _m("Excel", "Excel", "Excel"),
    "action.show_cases": _m("Show cases", "顯示案件", "显示案件"),
    "amount.below": _m("below {high}", "{high} 以下", "{high} 以下"),
    "amount.between": _m("{low} – {high}", "{low} – {high}", "{low} – {high}"),
    "amount.above": _m("{low} and above", "{low} 以上", "{low} 以上"),
    "common.loading": _m("Loading…", "載入中…", "加载中…"),
    "common.no_data": _m(
        "No cases match these filters.", "沒有符合篩選條件的案件。", "没有符合筛选条件的案件。"
    ),
    "common.choose_dataset": _m(
        "Choose a dataset in the filter bar, or load one on the Data page.",
        "請在篩選列選擇資料集，或到「資料」頁載入。",
        "请在筛选栏选择数据集，或到“数据”页载入。",
    ),
    "common.error": _m("Something went wrong", "發生錯誤", "发生错误"),
    "common.not_available": _m(
        "This view is not available in this installation: {what}.",
        "此安裝版本未提供此檢視：{what}。",
        "此安装版本未提供此视图：{what}。",
    ),
    "common.cases": _m("cases", "件", "件"),
    "common.hours": _m("hours", "小時", "小时"),
    "common.days": _m("days", "天", "天"),
    "common.share": _m("share", "占比", "占比"),
    "common.activity": _m("Activity", "活動", "活动"),
    "common.department": _m("Department", "部門", "部门"),
    "common.resource": _m("Resource", "經辦人", "经办人"),
    "common.case_id": _m("Case", "案件編號", "案件编号"),
    "common.week": _m("Week", "週", "周"),
    "common.from": _m("From", "從", "从"),
    "common.to": _m("To", "到", "到"),
    "common.page_of": _m("page {page}", "第 {page} 頁", "第 {page} 页"),
    "common.calendar_time": _m("calendar time", "日曆時間", "日历时间"),
    "unit.h": _m("{value} h", "{value} 小時", "{value} 小时"),
    "unit.d": _m("{value} d", "{value} 天", "{value} 天"),
    "unit.pp": _m("{value} pp", "{value} 個百分點", "{value} 个百分点"),
    "unit.points_short": _m("pp", "個百分點", "个百分点"),
    # overview
    "overview.title": _m("Overview", "總覽", "总览"),
    "overview.kpi.cases": _m("Cases", "案件數", "案件数"),
    "overview.kpi.median_cycle": _m("Median cycle time", "週期時間中位數", "周期时间中位数"),
    "overview.median_working": _m(
        "Median cycle time (working time): {hours}",
        "週期時間中位數（工作時間）：{hours}",
        "周期时间中位数（工作时间）：{hours}",
    ),
    "overview.kpi.p90_cycle": _m("P90 cycle time", "週期時間 P90", "周期时间 P90"),
    "overview.kpi.approved": _m("Approved", "核准率", "批准率"),
    "overview.kpi.rejected": _m("Rejected", "拒絕率", "拒绝率"),
    "overview.kpi.withdrawn": _m("Withdrawn", "撤回率", "撤回率"),
    "overview.kpi.sla": _m("SLA compliance", "SLA 達成率", "SLA 达成率"),
    "overview.kpi.rework": _m("Rework", "重工率", "返工率"),
    "overview.kpi.pingpong": _m("Ping-pong", "來回退件率", "来回退件率"),
    "overview.kpi.handoffs": _m("Handoffs per case", "每案交接次數", "每案交接次数"),
    "overview.kpi.no_sla": _m("no SLA in profile", "設定檔未定 SLA", "配置未定 SLA"),
    "overview.change": _m(
        "{change} vs {previous}", "較{previous} {change}", "较{previous} {change}"
    ),
    "overview.previous_period": _m("previous period", "前期", "前期"),
    "overview.previous_4w": _m("4 weeks before", "前 4 週", "前 4 周"),
    "overview.change_basis_period": _m(
        "Changes compare the chosen period with the period of equal length before it.",
        "變化為所選期間與其前一段等長期間相比。",
        "变化为所选期间与其前一段等长期间相比。",
    ),
    "overview.change_basis_last4w": _m(
        "Changes compare the last 4 weeks of data with the 4 weeks before.",
        "變化為資料最後 4 週與再前 4 週相比。",
        "变化为数据最后 4 周与再前 4 周相比。",
    ),
    "overview.no_previous": _m("no earlier data", "無前期資料", "无前期数据"),
    "overview.no_cases_match": _m(
        "no cases match these filters", "沒有符合篩選條件的案件", "没有符合筛选条件的案件"
    ),
    "overview.partial_previous": _m(
        "previous period incomplete", "前期資料不完整", "前期数据不完整"
    ),
    "overview.partial_explained": _m(
        "The previous period starts before the first case ({day}), so it holds only part of "
        "its cases: changes are not shown.",
        "前期早於第一件案件（{day}），只含部分案件：不顯示變化。",
        "前期早于第一件案件（{day}），只含部分案件：不显示变化。",
    ),
    "overview.no_previous_cases": _m(
        "no cases in the previous period", "前期沒有案件", "前期没有案件"
    ),
    "overview.outcome_not_mapped": _m("outcome not mapped", "未對應結果", "未映射结果"),
    "overview.trends": _m("Weekly trends", "每週趨勢", "每周趋势"),
    "overview.trend.started": _m("Cases started", "新進案件", "新进案件"),
    "overview.trend.closed": _m("Cases closed", "結案件數", "结案件数"),
    "overview.trend.median": _m(
        "Median cycle time of cases closed (h)",
        "結案週期時間中位數（小時）",
        "结案周期时间中位数（小时）",
    ),
    "overview.trend.incomplete": _m(
        "Pale: a week the data cover only in part",
        "淺色：資料僅涵蓋部分天數的週",
        "浅色：数据仅覆盖部分天数的周",
    ),
    "overview.top_handoffs": _m(
        "Handoffs that cost the most waiting", "等待最久的部門交接", "等待最久的部门交接"
    ),
    "overview.handoff_line": _m(
        "{count} handoffs, median wait {median}, total {total}",
        "{count} 次交接，等待中位數 {median}，合計 {total}",
        "{count} 次交接，等待中位数 {median}，合计 {total}",
    ),
    "overview.sla_risk": _m(
        "Open cases closest to breaching the SLA",
        "最接近逾期的處理中案件",
        "最接近逾期的处理中案件",
    ),
    "overview.sla_none": _m(
        "No open cases in this selection.", "此篩選下沒有處理中案件。", "此筛选下没有处理中案件。"
    ),
    "overview.col.age": _m("Age (h)", "已耗時（小時）", "已耗时（小时）"),
    "overview.col.remaining": _m("Left until SLA (h)", "距 SLA（小時）", "距 SLA（小时）"),
    "overview.col.last_activity": _m("Last activity", "最後活動", "最后活动"),
    "overview.col.waiting": _m("Waiting (h)", "已等待（小時）", "已等待（小时）"),
    # process map
    "notfound.title": _m("Page not found", "找不到此頁", "找不到此页"),
    "notfound.text": _m(
        "The dashboard has no page at this address. Check the link, or start from the Overview.",
        "儀表板沒有這個網址的頁面。請檢查連結，或從總覽開始。",
        "仪表板没有这个网址的页面。请检查链接，或从总览开始。",
    ),
    "notfound.back": _m("Go to the Overview", "前往總覽", "前往总览"),
    "map.title": _m("Process map", "流程圖", "流程图"),
    "map.mode": _m("Show", "顯示", "显示"),
    "map.frequency": _m("Frequency", "頻率", "频率"),
    "map.performance": _m("Performance (median wait)", "效能（等待中位數）", "效能（等待中位数）"),
    "map.activities": _m("Activities kept", "保留活動", "保留活动"),
    "map.paths": _m("Paths kept", "保留路徑", "保留路径"),
    "map.hidden": _m(
        "{activities} activities and {paths} paths hidden by the sliders; the most frequent"
        " path stays connected from start to end.",
        "滑桿隱藏了 {activities} 個活動與 {paths} 條路徑；最常見的路徑仍由開始連到結束。",
        "滑块隐藏了 {activities} 个活动与 {paths} 条路径；最常见的路径仍由开始连到结束。",
    ),
    "map.legend": _m("Node colour: department", "節點顏色：部門", "节点颜色：部门"),
    "map.click_hint": _m(
        "Click an activity or a path to list its cases.",
        "點選活動或路徑以列出其案件。",
        "点击活动或路径以列出其案件。",
    ),
    "map.times": _m("Times through it", "經過次數", "经过次数"),
    "map.cases_of": _m("Cases through {what}", "經過 {what} 的案件", "经过 {what} 的案件"),
    "map.start": _m("start", "開始", "开始"),
    "map.end": _m("end", "結束", "结束"),
    # handoffs
    "handoffs.title": _m("Handoffs between departments", "部門間交接", "部门间交接"),
    "handoffs.measure": _m("Measure", "指標", "指标"),
    "handoffs.count": _m("Count", "次數", "次数"),
    "handoffs.median": _m("Median wait (h)", "等待中位數（小時）", "等待中位数（小时）"),
    "handoffs.p90": _m("P90 wait (h)", "等待 P90（小時）", "等待 P90（小时）"),
    "handoffs.total": _m("Total wait (h)", "等待合計（小時）", "等待合计（小时）"),
    "handoffs.pingpong": _m("Ping-pong cases", "來回退件案件", "来回退件案件"),
    "handoffs.matrix": _m("Department matrix", "部門矩陣", "部门矩阵"),
    "handoffs.sankey": _m("Flows between departments", "部門間流向", "部门间流向"),
    "handoffs.table": _m("Handoff pairs", "交接組合", "交接组合"),
    "handoffs.from_dept": _m("From department", "來源部門", "来源部门"),
    "handoffs.to_dept": _m("To department", "目標部門", "目标部门"),
    # bottlenecks
    "bottlenecks.title": _m("Bottlenecks", "瓶頸", "瓶颈"),
    "bottlenecks.by_activity": _m(
        "Waiting and processing per activity", "各活動等待與處理時間", "各活动等待与处理时间"
    ),
    "bottlenecks.by_department": _m(
        "Waiting and processing per department", "各部門等待與處理時間", "各部门等待与处理时间"
    ),
    "bottlenecks.waiting": _m("Median wait (h)", "等待中位數（小時）", "等待中位数（小时）"),
    "bottlenecks.processing": _m(
        "Median processing (h)", "處理中位數（小時）", "处理中位数（小时）"
    ),
    "bottlenecks.total_processing": _m(
        "Total processing (h)", "處理時間合計（小時）", "处理时间合计（小时）"
    ),
    "bottlenecks.total_wait": _m("Total wait (h)", "等待合計（小時）", "等待合计（小时）"),
    "bottlenecks.share": _m("Share of cycle time", "占週期時間比例", "占周期时间比例"),
    "bottlenecks.instances": _m("Instances", "執行次數", "执行次数"),
    "bottlenecks.workload": _m("Resource workload", "經辦人工作量", "经办人工作量"),
    "bottlenecks.wip": _m("Work in progress over time", "在途案件數", "在途案件数"),
    "bottlenecks.wip_axis": _m("Open cases", "處理中案件", "处理中案件"),
    # variants
    "variants.title": _m("Variants", "流程變體", "流程变体"),
    "variants.top": _m("Variants shown", "顯示變體數", "显示变体数"),
    "variants.coverage": _m(
        "The top {n} variants cover {share} of cases.",
        "前 {n} 個變體涵蓋 {share} 的案件。",
        "前 {n} 个变体涵盖 {share} 的案件。",
    ),
    "variants.sequence": _m("Activity sequence", "活動序列", "活动序列"),
    "variants.cases": _m("Cases", "案件數", "案件数"),
    "variants.share": _m("Share", "占比", "占比"),
    "variants.median": _m(
        "Median cycle time (h)", "週期時間中位數（小時）", "周期时间中位数（小时）"
    ),
    "variants.steps": _m("Steps", "步驟數", "步骤数"),
    # cases
    "cases.title": _m("Cases", "案件", "案件"),
    "cases.search": _m("Case id", "案件編號", "案件编号"),
    "cases.timeline": _m("Timeline of case {case}", "案件 {case} 時間軸", "案件 {case} 时间轴"),
    "cases.timeline_title": _m("Case timeline", "案件時間軸", "案件时间轴"),
    "cases.pick": _m(
        "Click a case in the table to see its timeline.",
        "點選表格中的案件以查看時間軸。",
        "点击表格中的案件以查看时间轴。",
    ),
    "cases.col.outcome": _m("Outcome", "結果", "结果"),
    "common.time_in_zone": _m("Time ({zone})", "時間 ({zone})", "时间 ({zone})"),
    "common.in_zone": _m("{label} ({zone})", "{label} ({zone})", "{label} ({zone})"),
    "cases.col.first_ts": _m("Started", "開始", "开始"),
    "cases.col.last_ts": _m("Last event", "最後事件", "最后事件"),
    "cases.col.cycle": _m("Cycle time (h)", "週期時間（小時）", "周期时间（小时）"),
    "cases.col.cycle_working": _m(
        "Working cycle time (h)", "工作時間週期（小時）", "工作时间周期（小时）"
    ),
    "cases.col.amount": _m("Amount", "金額", "金额"),
    "cases.col.product": _m("Product", "產品", "产品"),
    "cases.col.handoffs": _m("Handoffs", "交接次數", "交接次数"),
    "cases.col.instances": _m("Steps", "步驟數", "步骤数"),
    "cases.col.rework": _m("Rework", "重工", "返工"),
    "cases.col.pingpong": _m("Ping-pong", "來回退件", "来回退件"),
    "cases.col.sla_met": _m("SLA met", "符合 SLA", "符合 SLA"),
    "cases.col.start": _m("Start", "開始", "开始"),
    "cases.col.end": _m("End", "結束", "结束"),
    "cases.yes": _m("yes", "是", "是"),
    "cases.no": _m("no", "否", "否"),
    # compare
    "compare.title": _m("Compare before and after", "前後比較", "前后比较"),
    "compare.mode": _m("Compare", "比較方式", "比较方式"),
    "compare.mode_datasets": _m("Two datasets", "兩個資料集", "两个数据集"),
    "compare.mode_split": _m(
        "One dataset split at a date", "單一資料集依日期切分", "单一数据集按日期切分"
    ),
    "compare.before": _m("Before", "改造前", "改造前"),
    "compare.side_cases": _m("{cases} cases", "{cases} 件案件", "{cases} 件案件"),
    "compare.after": _m("After", "改造後", "改造后"),
    "compare.split_at": _m("Go-live date", "上線日期", "上线日期"),
    "compare.run": _m("Compare", "開始比較", "开始比较"),
    "compare.metric": _m("Metric", "指標", "指标"),
    "compare.change": _m("Change", "變化", "变化"),
    "compare.prediction": _m(
        "Prediction to check in the report (made on the What if page)",
        "報告中核對的預測（於情境模擬頁建立）",
        "报告中核对的预测（于情景模拟页创建）",
    ),
    "compare.prediction_none": _m(
        "None: simulate the before dataset on the What if page first",
        "無：請先在情境模擬頁模擬改造前的資料集",
        "无：请先在情景模拟页模拟改造前的数据集",
    ),
    "compare.ci95": _m("Interval (corrected)", "信賴區間（已校正）", "置信区间（已校正）"),
    "compare.p_value": _m("p-value", "p 值", "p 值"),
    "compare.significant": _m("Significant", "顯著", "显著"),
    "compare.ecdf": _m(
        "Cycle-time distribution (ECDF)", "週期時間分布（ECDF）", "周期时间分布（ECDF）"
    ),
    "compare.ecdf_y": _m("Share of cases", "案件比例", "案件比例"),
    "compare.map_diff": _m("What changed in the process", "流程變化", "流程变化"),
    "compare.guardrails": _m("Risk guardrails", "風險控制護欄", "风险控制护栏"),
    "compare.report": _m("Download HTML report", "下載 HTML 報告", "下载 HTML 报告"),
    "compare.summary": _m("Summary", "摘要", "摘要"),
    "compare.need_two": _m(
        "Choose a before and an after dataset, or one dataset and a go-live date.",
        "請選擇改善前與改善後資料集，或一個資料集與上線日期。",
        "请选择改善前与改善后数据集，或一个数据集与上线日期。",
    ),
    "compare.press_run": _m(
        "Choose what to compare, then press Compare. The filters above apply to both sides.",
        "選擇比較對象後按「開始比較」；上方篩選條件同時套用於兩側。",
        "选择比较对象后按“开始比较”；上方筛选条件同时适用于两侧。",
    ),
    "compare.edge": _m("Path", "路徑", "路径"),
    "compare.status": _m("Status", "狀態", "状态"),
    # conformance
    "conformance.title": _m("Conformance", "合規檢查", "合规检查"),
    "conformance.model": _m("Reference model (BPMN)", "參考模型（BPMN）", "参考模型（BPMN）"),
    "conformance.discovered": _m(
        "Discovered from this dataset (inductive miner)",
        "由此資料集探勘（歸納探勘法）",
        "由此数据集挖掘（归纳挖掘法）",
    ),
    "conformance.upload": _m("Upload a BPMN file", "上傳 BPMN 檔", "上传 BPMN 文件"),
    "conformance.run": _m("Check conformance", "執行合規檢查", "执行合规检查"),
    "conformance.fitness": _m("Average fitness", "平均適合度", "平均适合度"),
    "conformance.fitting_share": _m("Cases that fit the model", "符合模型的案件", "符合模型的案件"),
    "conformance.deviations": _m("Deviations", "偏差", "偏差"),
    "conformance.rules": _m("Loan rules", "貸款規則", "贷款规则"),
    "conformance.rule": _m("Rule", "規則", "规则"),
    "conformance.breaches": _m("Cases breaking it", "違反案件數", "违反案件数"),
    "conformance.breach_cases": _m(
        "Cases breaking the rule “{rule}”", "違反「{rule}」的案件", "违反“{rule}”的案件"
    ),
    "conformance.fitness_hist": _m("Fitness per case", "各案件適合度", "各案件适合度"),
    "conformance.running": _m(
        "Checking conformance, this can take a while on a large log…",
        "合規檢查中，大型日誌可能需要一些時間…",
        "合规检查中，大型日志可能需要一些时间…",
    ),
    "conformance.method": _m("Replay", "重播方法", "重播方法"),
    "conformance.token_replay": _m("Token replay (fast)", "權杖重播（快速）", "令牌重播（快速）"),
    "conformance.alignments": _m(
        "Alignments (exact, slow)", "對齊（精確、較慢）", "对齐（精确、较慢）"
    ),
    "conformance.sample_model": _m(
        "Sample to-be model: {name}", "範例目標模型：{name}", "示例目标模型：{name}"
    ),
    "conformance.uploaded_model": _m("Uploaded: {name}", "已上傳：{name}", "已上传：{name}"),
    "conformance.choose_model": _m(
        "Choose a reference model, or upload a BPMN file, then press Check conformance.",
        "請選擇參考模型或上傳 BPMN 檔，再按「執行合規檢查」。",
        "请选择参考模型或上传 BPMN 文件，再按“执行合规检查”。",
    ),
    "conformance.kind": _m("Kind", "類型", "类型"),
    "conformance.checked": _m("Checked", "已檢查", "已检查"),
    "conformance.not_checked": _m(
        "not checked: the profile names no activities for it",
        "未檢查：設定檔未指定相關活動",
        "未检查：配置未指定相关活动",
    ),
    "conformance.not_checked_short": _m("not checked", "未檢查", "未检查"),
    "conformance.kind.out_of_order": _m(
        "done out of order (before the model allows it)",
        "順序不符（模型尚未允許）",
        "顺序不符（模型尚未允许）",
    ),
    "conformance.kind.not_in_model": _m(
        "not in the reference model", "不在參考模型中", "不在参考模型中"
    ),
    "conformance.kind.unfinished": _m(
        "ends before the model's end", "未走完模型即結束", "未走完模型即结束"
    ),
    "conformance.kind.skipped": _m(
        "skipped (the model requires it)", "被略過（模型要求此步驟）", "被略过（模型要求此步骤）"
    ),
    "conformance.rule.decided_without_risk_assessment": _m(
        "Risk assessed before the decision", "決策前先做風險評估", "决策前先做风险评估"
    ),
    "conformance.rule.large_loan_without_compliance": _m(
        "Compliance review for large loans", "大額貸款須經合規審查", "大额贷款须经合规审查"
    ),
    "conformance.rule.approver_is_investigator": _m("Four eyes", "四眼原則", "四眼原则"),
    "conformance.rule_desc.decided_without_risk_assessment": _m(
        "the decision comes after a risk assessment",
        "決策之前必須完成風險評估",
        "决策之前必须完成风险评估",
    ),
    "conformance.rule_desc.large_loan_without_compliance": _m(
        "loans above the threshold pass a compliance review",
        "超過門檻的貸款必須經過合規審查",
        "超过门槛的贷款必须经过合规审查",
    ),
    "conformance.rule_desc.approver_is_investigator": _m(
        "the approver is not the person who investigated the case",
        "核准人不得是調查該案件的人",
        "核准人不得是调查该案件的人",
    ),
    "conformance.description": _m("What it checks", "檢查內容", "检查内容"),
    "conformance.least_fitting": _m("Least fitting cases", "適合度最低的案件", "适合度最低的案件"),
    # data
    "data.title": _m("Data", "資料", "数据"),
    "data.upload": _m("Upload a log", "上傳事件日誌", "上传事件日志"),
    "data.analyst_only": _m(
        "Loading, replacing and deleting datasets needs the analyst role. Ask an admin.",
        "載入、取代和刪除資料集需要分析師角色，請聯絡管理員。",
        "加载、替换和删除数据集需要分析师角色，请联系管理员。",
    ),
    "data.upload_help": _m(
        "CSV or TSV (UTF-8, GB18030, Big5), Excel (.xlsx), XES or XES.gz, Parquet, also "
        "compressed as .gz or .zip (one log per archive). Large files are streamed to the "
        "server.",
        "支援 CSV/TSV（UTF-8、GB18030、Big5）、Excel（.xlsx）、XES 或 XES.gz、Parquet，"
        "亦可為 .gz 或 .zip 壓縮檔（每個壓縮檔一份日誌），大型檔案以串流上傳。",
        "支持 CSV/TSV（UTF-8、GB18030、Big5）、Excel（.xlsx）、XES 或 XES.gz、Parquet，"
        "也可以是 .gz 或 .zip 压缩文件（每个压缩文件一份日志），大文件以流式上传。",
    ),
    # a load's steps, as the Data page's progress bar names them
    "load.step.reading": _m("reading {file}", "讀取 {file}", "读取 {file}"),
    "load.step.mapping": _m(
        "mapping and validating rows", "對應欄位並檢查資料列", "映射列并检查数据行"
    ),
    "load.step.pseudonymising": _m("pseudonymising identities", "化名處理身分", "假名化身份信息"),
    "load.step.rejects": _m("writing rejects", "寫入拒收的資料列", "写入拒收的数据行"),
    "load.step.events": _m("writing events", "寫入事件", "写入事件"),
    "load.step.pairing": _m(
        "pairing activity instances", "配對活動的開始與結束", "配对活动的开始与结束"
    ),
    "load.step.cases": _m("deriving cases", "整理案件", "整理案件"),
    "load.step.committing": _m("committing", "寫入儲存庫", "写入存储库"),
    "load.step.preparing": _m("preparing the analysis", "準備分析", "准备分析"),
    "load.step.done": _m("done", "完成", "完成"),
    "upload.choose": _m("Choose a file…", "選擇檔案…", "选择文件…"),
    "upload.none": _m("No file chosen", "尚未選擇檔案", "尚未选择文件"),
    "upload.network_error": _m(
        "The upload failed (network error).",
        "上傳失敗（網路錯誤）。",
        "上传失败（网络错误）。",
    ),
    "data.uploading": _m("Uploading {name}…", "上傳 {name} 中…", "上传 {name} 中…"),
    "data.uploaded": _m(
        "Uploaded {name} ({size}).", "已上傳 {name}（{size}）。", "已上传 {name}（{size}）。"
    ),
    "data.mapping": _m("Column mapping", "欄位對應", "字段映射"),
    "data.mapping_help": _m(
        "LoanFlow guessed these columns; correct any that are wrong.",
        "系統已猜測以下欄位對應，如有錯誤請更正。",
        "系统已猜测以下字段映射，如有错误请更正。",
    ),
    "data.first_rows": _m("First rows", "前幾列", "前几行"),
    "data.dataset_name": _m("Dataset name", "資料集名稱", "数据集名称"),
    "data.mode": _m("If the dataset exists", "若資料集已存在", "若数据集已存在"),
    "data.mode_new": _m("Refuse", "拒絕", "拒绝"),
    "data.mode_replace": _m("Replace it", "取代", "替换"),
    "data.mode_append": _m("Append to it", "附加", "追加"),
    "data.profile": _m(
        "Profile (YAML, optional)", "設定檔（YAML，選填）", "配置文件（YAML，选填）"
    ),
    "data.load": _m("Load", "載入", "载入"),
    "data.cancel": _m("Cancel", "取消", "取消"),
    "data.loading": _m("Loading {name}…", "載入 {name} 中…", "载入 {name} 中…"),
    "data.cancelled": _m(
        "The load was cancelled; nothing was written.",
        "已取消載入，未寫入任何資料。",
        "已取消载入，未写入任何数据。",
    ),
    "data.loaded": _m(
        "Loaded {name}: {events} events, {cases} cases, {rejected} rows rejected, in {seconds} s.",
        "已載入 {name}：{events} 筆事件、{cases} 件案件、{rejected} 列被拒，耗時 {seconds} 秒。",
        "已载入 {name}：{events} 条事件、{cases} 件案件、{rejected} 行被拒，耗时 {seconds} 秒。",
    ),
    "data.report": _m("Validation report", "驗證報告", "验证报告"),
    "data.reason": _m("Reason", "原因", "原因"),
    "data.rows": _m("Rows", "列數", "行数"),
    "data.download_rejects": _m(
        "Download rejected rows (CSV)", "下載被拒資料列（CSV）", "下载被拒数据行（CSV）"
    ),
    "data.datasets": _m("Datasets in the store", "儲存庫中的資料集", "存储库中的数据集"),
    "data.datasets_lake": _m(
        "Datasets in the store and the lake {lake}",
        "儲存庫及資料湖 {lake} 中的資料集",
        "存储库及数据湖 {lake} 中的数据集",
    ),
    "data.delete": _m("Delete", "刪除", "删除"),
    "data.confirm_delete": _m(
        "Delete dataset {name}? This cannot be undone.",
        "確定刪除資料集 {name}？此動作無法復原。",
        "确定删除数据集 {name}？此操作无法撤销。",
    ),
    "data.confirm_delete_lake": _m(
        "Delete dataset {name} from the lake {lake}? Its part of every table there is"
        " removed; the lake's other datasets stay. This cannot be undone.",
        "確定從資料湖 {lake} 刪除資料集 {name}？將移除它在各資料表中的分割，"
        "資料湖中其他資料集不受影響。此動作無法復原。",
        "确定从数据湖 {lake} 删除数据集 {name}？将移除它在各数据表中的分区，"
        "数据湖中其他数据集不受影响。此操作无法撤销。",
    ),
    "data.confirm_delete_both": _m(
        "Delete dataset {name} from the store and from the lake {lake}? The lake's other"
        " datasets stay. This cannot be undone.",
        "確定從儲存庫及資料湖 {lake} 刪除資料集 {name}？資料湖中其他資料集不受影響。"
        "此動作無法復原。",
        "确定从存储库及数据湖 {lake} 删除数据集 {name}？数据湖中其他数据集不受影响。"
        "此操作无法撤销。",
    ),
    "data.deleted": _m("Deleted {name}.", "已刪除 {name}。", "已删除 {name}。"),
    "data.col.name": _m("Name", "名稱", "名称"),
    "data.col.cases": _m("Cases", "案件數", "案件数"),
    "data.col.events": _m("Events", "事件數", "事件数"),
    "data.col.source": _m("Source", "來源", "来源"),
    "data.col.loaded_at": _m("Loaded", "載入時間", "载入时间"),
    "data.col.source_row": _m("Row", "列號", "行号"),
    "data.col.rejected": _m("Rejected rows", "被拒列數", "被拒行数"),
    "data.field.case_id": _m("Case id", "案件編號", "案件编号"),
    "data.field.activity": _m("Activity", "活動", "活动"),
    "data.field.timestamp": _m("Timestamp (or end)", "時間（或結束時間）", "时间（或结束时间）"),
    "data.field.start_timestamp": _m("Start timestamp", "開始時間", "开始时间"),
    "data.field.lifecycle": _m("Lifecycle", "生命週期", "生命周期"),
    "data.field.resource": _m("Resource", "經辦人", "经办人"),
    "data.field.department": _m("Department", "部門", "部门"),
    "data.field.none": _m("(none)", "（無）", "（无）"),
    "data.no_upload": _m("Upload a file first.", "請先上傳檔案。", "请先上传文件。"),
    "data.busy": _m(
        "Another load is running; wait for it or cancel it.",
        "另一個載入作業進行中，請等待或取消。",
        "另一个载入任务进行中，请等待或取消。",
    ),
    "data.name_required": _m(
        "Give the dataset a name.", "請輸入資料集名稱。", "请输入数据集名称。"
    ),
    "print.generated": _m(
        "Printed from LoanFlow on {date}", "列印自 LoanFlow，{date}", "打印自 LoanFlow，{date}"
    ),
    "data.exists_choice": _m(
        "A dataset named {name} already exists. Replace it, append this file to it, or cancel"
        " and choose another name.",
        "名為 {name} 的資料集已存在。要取代它、把此檔案附加到它，還是取消並改用其他名稱？",
        "名为 {name} 的数据集已存在。要替换它、把此文件追加到它，还是取消并改用其他名称？",
    ),
    # what the reader found in an uploaded file
    "data.detected.format": _m("{value} file", "{value} 檔案", "{value} 文件"),
    "data.detected.layout_events": _m("one row per event", "每列一個事件", "每行一个事件"),
    "data.detected.layout_instances": _m(
        "one row per activity instance (start and end)",
        "每列一次活動（開始與結束時間）",
        "每行一次活动（开始与结束时间）",
    ),
    "data.detected.encoding": _m("encoding {value}", "編碼 {value}", "编码 {value}"),
    "data.detected.delimiter": _m("delimiter: {value}", "分隔符號：{value}", "分隔符：{value}"),
    "data.delimiter.comma": _m("comma", "逗號", "逗号"),
    "data.delimiter.tab": _m("tab", "定位字元", "制表符"),
    "data.delimiter.semicolon": _m("semicolon", "分號", "分号"),
    "data.delimiter.pipe": _m("vertical bar", "直線符號", "竖线"),
}
