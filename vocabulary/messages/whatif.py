"""The "What if" page's labels: scenario controls, the simulation job and its results."""

from __future__ import annotations

from vocabulary.messages import _m

WHATIF: dict[str, dict[str, str]] = {
    "nav.whatif": _m("What if", "情境模擬", "情景模拟"),
    "whatif.title": _m(
        "What if: simulate a change before making it",
        "情境模擬：先模擬，再改變",
        "情景模拟：先模拟，再改变",
    ),
    "whatif.controls": _m("Shape a scenario", "設定情境", "设定情景"),
    "whatif.on_store": _m(
        "The Spark engine computes the other pages on the lake; the simulation model is "
        "discovered from every activity instance in one process, so this page discovers it "
        "from the store's copy of {dataset} on this machine.",
        "其他頁面由 Spark 引擎在資料湖上計算；模擬模型須在單一程序中讀取全部活動才能發現，"
        "因此本頁以本機資料庫中「{dataset}」的副本發現模型。",
        "其他页面由 Spark 引擎在数据湖上计算；模拟模型须在单一进程中读取全部活动才能发现，"
        "因此本页以本机数据库中“{dataset}”的副本发现模型。",
    ),
    "whatif.lake_only": _m(
        "The Spark engine computes the other pages on the lake; the simulation model is "
        "discovered from every activity instance in one process, on the store's copy of a "
        "dataset. {dataset} is only in the lake: load it on the Data page to simulate it.",
        "其他頁面由 Spark 引擎在資料湖上計算；模擬模型須在單一程序中讀取全部活動，以本機資料庫"
        "中的資料集副本發現。「{dataset}」只在資料湖中：請在「資料」頁載入後再模擬。",
        "其他页面由 Spark 引擎在数据湖上计算；模拟模型须在单一进程中读取全部活动，以本机数据库"
        "中的数据集副本发现。“{dataset}”只在数据湖中：请在“数据”页载入后再模拟。",
    ),
    "whatif.staff": _m("Head count change", "人力變動", "人力变动"),
    "whatif.department": _m("Department", "部門", "部门"),
    "whatif.meetings": _m("Meeting days of", "會議日：", "会议日："),
    "whatif.fast_track_activity": _m("Fast track: skip", "快速通道：免經", "快速通道：免经"),
    "whatif.fast_track": _m("for amounts up to", "金額不超過", "金额不超过"),
    "whatif.meeting_from": _m("from", "開始", "开始"),
    "whatif.meeting_to": _m("to", "結束", "结束"),
    "whatif.dur_activity": _m("Processing time of", "處理時間：", "处理时间："),
    "whatif.dur_factor": _m("× (multiplier)", "×（倍數）", "×（倍数）"),
    "whatif.route_after": _m("Branch after", "分支：在此之後", "分支：在此之后"),
    "whatif.route_to": _m("to", "前往", "前往"),
    "whatif.route_scale": _m("chance ×", "機率 ×", "概率 ×"),
    "whatif.pooled": _m(
        "One shared queue in (files no longer on one desk)",
        "共用佇列（案件不再固定於一人）",
        "共用队列（案件不再固定于一人）",
    ),
    "whatif.parallel": _m(
        "Review side by side (activities, comma-separated)",
        "並行審查（活動，以逗號分隔）",
        "并行审查（活动，以逗号分隔）",
    ),
    "whatif.arrivals": _m("Arrival multiplier", "進件量倍數", "进件量倍数"),
    "whatif.runs": _m("Replications", "重複次數", "重复次数"),
    "whatif.actual": _m("Compare with what happened in", "與實際資料比較：", "与实际数据比较："),
    "whatif.none": _m("(none)", "（無）", "（无）"),
    "whatif.write": _m("Write the scenario", "產生情境檔", "生成情景文件"),
    "whatif.yaml": _m("Scenario file (YAML)", "情境檔（YAML）", "情景文件（YAML）"),
    "whatif.default_name": _m("dashboard scenario", "儀表板情境", "仪表板情景"),
    "whatif.upload": _m("Upload a scenario file", "上傳情境檔", "上传情景文件"),
    "whatif.save_name": _m("Name to save it under", "儲存名稱", "保存名称"),
    "whatif.save": _m("Save", "儲存", "保存"),
    "whatif.saved": _m("Saved scenarios", "已存情境", "已存情景"),
    "whatif.run": _m("Simulate", "開始模擬", "开始模拟"),
    "whatif.cancel": _m("Cancel", "取消", "取消"),
    "whatif.idle": _m(
        "Shape a scenario (or leave it empty for the process as it is) and press Simulate.",
        "設定情境（留空即模擬現況），再按「開始模擬」。",
        "设定情景（留空即模拟现状），再按“开始模拟”。",
    ),
    "whatif.running": _m("Simulating…", "模擬中…", "模拟中…"),
    "whatif.cancelled": _m("Cancelled.", "已取消。", "已取消。"),
    "whatif.discovering": _m(
        "Discovering the simulation model", "正在發現模擬模型", "正在发现模拟模型"
    ),
    "whatif.replication": _m(
        "Replication {done} of {total}", "第 {done} / {total} 次模擬", "第 {done} / {total} 次模拟"
    ),
    "whatif.quality": _m("Model quality", "模型品質", "模型质量"),
    "whatif.quality_text": _m(
        "On the last 20% of cases, held out: cycle-time distance {ct} h, 3-gram distance {ng}.",
        "以最後 20% 案件驗證：週期時間距離 {ct} 小時，三元組距離 {ng}。",
        "以最后 20% 案件验证：周期时间距离 {ct} 小时，三元组距离 {ng}。",
    ),
    "whatif.results": _m(
        "Baseline and scenario (mean of the replications, 95% interval)",
        "現況與情境（各次模擬平均，95% 信賴區間）",
        "现状与情景（各次模拟平均，95% 置信区间）",
    ),
    "whatif.kpis_chart": _m("Cycle time", "案件週期", "案件周期"),
    "whatif.waits_chart": _m("Mean wait per handoff", "每次交接平均等待", "每次交接平均等待"),
    "whatif.util_chart": _m("Utilisation per department", "各部門使用率", "各部门使用率"),
    "whatif.metric": _m("Figure", "指標", "指标"),
    "whatif.baseline": _m("Baseline", "現況", "现状"),
    "whatif.scenario": _m("Scenario", "情境", "情景"),
    "whatif.change": _m("Change", "變化", "变化"),
    "whatif.low": _m("95% from", "95% 下限", "95% 下限"),
    "whatif.high": _m("95% to", "95% 上限", "95% 上限"),
    "whatif.actual_value": _m("Actual", "實際", "实际"),
    "whatif.error": _m("Error", "誤差", "误差"),
    "whatif.median": _m("Median", "中位數", "中位数"),
    "whatif.p90": _m("90th percentile", "第 90 百分位", "第 90 百分位"),
    "whatif.hours": _m("Hours", "小時", "小时"),
    "whatif.choose": _m("Choose…", "請選擇…", "请选择…"),
    "whatif.grade.good": _m("Good", "良好", "良好"),
    "whatif.grade.fair": _m("Fair", "尚可", "尚可"),
    "whatif.grade.poor": _m("Poor", "不佳", "不佳"),
    "whatif.m.median_cycle_time_hours": _m(
        "Median cycle time (h)", "案件週期中位數（小時）", "案件周期中位数（小时）"
    ),
    "whatif.m.p90_cycle_time_hours": _m(
        "90th percentile cycle time (h)",
        "案件週期第 90 百分位（小時）",
        "案件周期第 90 百分位（小时）",
    ),
    "whatif.m.mean_cycle_time_hours": _m(
        "Mean cycle time (h)", "案件週期平均（小時）", "案件周期平均（小时）"
    ),
    "whatif.m.approved_share": _m("Approved share", "核准占比", "核准占比"),
    "whatif.m.rejected_share": _m("Rejected share", "拒絕占比", "拒绝占比"),
    "whatif.m.withdrawn_share": _m("Withdrawn share", "撤回占比", "撤回占比"),
    "whatif.m.unfinished_cases": _m("Unfinished cases", "未完成案件", "未完成案件"),
    "whatif.m.wait_hours": _m("Wait (h)", "等待（小時）", "等待（小时）"),
    "whatif.m.utilisation": _m("Utilisation", "使用率", "使用率"),
    "whatif.kept_prediction": _m(
        "{scenario}, {runs} replications, made {made} UTC by {by} ({ident})",
        "{scenario}，{runs} 次模擬，{made} UTC 由 {by} 建立（{ident}）",
        "{scenario}，{runs} 次模拟，{made} UTC 由 {by} 创建（{ident}）",
    ),
    "whatif.kept_as": _m(
        "This prediction is kept in the store as {ident}. Once the redesign is live and its "
        "log loaded, the Compare page's report checks it against what happened.",
        "此預測已保存於資料庫，編號 {ident}。新流程上線並載入其日誌後，比較頁的報告會將預測與"
        "實際結果對照。",
        "此预测已保存于数据库，编号 {ident}。新流程上线并载入其日志后，比较页的报告会将预测与"
        "实际结果对照。",
    ),
    "whatif.as_is": _m("the process as it is", "現行流程", "现行流程"),
    "whatif.clipped": _m(
        "The 95% interval of {metrics} reached past what the quantity can be (below 0 h or "
        "0%, above 100%) and is cut there: {runs} replications are few for a t interval; "
        "more replications give a narrower one.",
        "{metrics} 的 95% 信賴區間超出了該數值可能的範圍（低於 0 小時或 0%、高於 100%），已在"
        "界限處截斷：{runs} 次模擬對 t 區間而言太少，增加模擬次數可縮小區間。",
        "{metrics} 的 95% 置信区间超出了该数值可能的范围（低于 0 小时或 0%、高于 100%），已在"
        "界限处截断：{runs} 次模拟对 t 区间而言太少，增加模拟次数可缩小区间。",
    ),
}
