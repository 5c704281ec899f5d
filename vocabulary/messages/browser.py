"""Words the browser draws itself: the data grid's pager and menus (``grid.*``, AG Grid's
locale keys), and the date picker's and plotly's month and weekday names and modebar
(:data:`PLOTLY_WORDS`, keyed by plotly's English text)."""

from __future__ import annotations

from vocabulary.messages import _m

BROWSER: dict[str, dict[str, str]] = {
    # AG Grid (getLocaleText keys): pager, overlays, filters, menus
    "grid.page": _m("Page", "頁", "页"),
    "grid.more": _m("more", "更多", "更多"),
    "grid.to": _m("to", "至", "至"),
    "grid.of": _m("of", "／", "／"),
    "grid.next": _m("Next", "下一頁", "下一页"),
    "grid.last": _m("Last", "最後一頁", "最后一页"),
    "grid.first": _m("First", "第一頁", "第一页"),
    "grid.previous": _m("Previous", "上一頁", "上一页"),
    "grid.pageSizeSelectorLabel": _m("Page Size:", "每頁筆數：", "每页行数："),
    "grid.ariaPageSizeSelectorLabel": _m("Page Size", "每頁筆數", "每页行数"),
    "grid.loadingOoo": _m("Loading...", "載入中…", "加载中…"),
    "grid.loadingError": _m("ERR", "錯誤", "错误"),
    "grid.noRowsToShow": _m("No Rows To Show", "沒有資料", "没有数据"),
    "grid.filterOoo": _m("Filter...", "篩選…", "筛选…"),
    "grid.searchOoo": _m("Search...", "搜尋…", "搜索…"),
    "grid.selectAll": _m("(Select All)", "（全選）", "（全选）"),
    "grid.blanks": _m("(Blanks)", "（空白）", "（空白）"),
    "grid.noMatches": _m("No matches", "沒有符合項目", "没有匹配项"),
    "grid.equals": _m("Equals", "等於", "等于"),
    "grid.notEqual": _m("Does not equal", "不等於", "不等于"),
    "grid.blank": _m("Blank", "空白", "空白"),
    "grid.notBlank": _m("Not blank", "非空白", "非空白"),
    "grid.empty": _m("Choose one", "請選擇", "请选择"),
    "grid.lessThan": _m("Less than", "小於", "小于"),
    "grid.greaterThan": _m("Greater than", "大於", "大于"),
    "grid.lessThanOrEqual": _m("Less than or equal to", "小於或等於", "小于或等于"),
    "grid.greaterThanOrEqual": _m("Greater than or equal to", "大於或等於", "大于或等于"),
    "grid.inRange": _m("Between", "介於", "介于"),
    "grid.inRangeStart": _m("From", "從", "从"),
    "grid.inRangeEnd": _m("To", "到", "到"),
    "grid.contains": _m("Contains", "包含", "包含"),
    "grid.notContains": _m("Does not contain", "不包含", "不包含"),
    "grid.startsWith": _m("Begins with", "開頭為", "开头为"),
    "grid.endsWith": _m("Ends with", "結尾為", "结尾为"),
    "grid.dateFormatOoo": _m("yyyy-mm-dd", "年-月-日", "年-月-日"),
    "grid.before": _m("Before", "早於", "早于"),
    "grid.after": _m("After", "晚於", "晚于"),
    "grid.andCondition": _m("AND", "且", "且"),
    "grid.orCondition": _m("OR", "或", "或"),
    "grid.applyFilter": _m("Apply", "套用", "应用"),
    "grid.resetFilter": _m("Reset", "重設", "重置"),
    "grid.clearFilter": _m("Clear", "清除", "清除"),
    "grid.cancelFilter": _m("Cancel", "取消", "取消"),
    "grid.filterConditions": _m("Filter Conditions", "篩選條件", "筛选条件"),
    "grid.filterValue": _m("Filter Value", "篩選值", "筛选值"),
    "grid.filterFrom": _m("From", "從", "从"),
    "grid.filterTo": _m("To", "到", "到"),
    "grid.columns": _m("Columns", "欄位", "列"),
    "grid.filters": _m("Filters", "篩選", "筛选"),
    "grid.pinColumn": _m("Pin Column", "固定欄位", "固定列"),
    "grid.autosizeThisColumn": _m("Autosize This Column", "自動調整此欄寬", "自动调整此列宽"),
    "grid.autosizeAllColumns": _m("Autosize All Columns", "自動調整全部欄寬", "自动调整全部列宽"),
    "grid.resetColumns": _m("Reset Columns", "重設欄位", "重置列"),
    "grid.sortAscending": _m("Sort Ascending", "遞增排序", "升序排序"),
    "grid.sortDescending": _m("Sort Descending", "遞減排序", "降序排序"),
    "grid.sortUnSort": _m("Clear Sort", "清除排序", "清除排序"),
    "grid.copy": _m("Copy", "複製", "复制"),
    "grid.pinLeft": _m("Pin Left", "固定在左", "固定在左"),
    "grid.pinRight": _m("Pin Right", "固定在右", "固定在右"),
    "grid.noPin": _m("No Pin", "不固定", "不固定"),
    "grid.ariaRowSelect": _m(
        "Press SPACE to select this row", "按空白鍵選取此列", "按空格键选择此行"
    ),
    "grid.ariaRowDeselect": _m(
        "Press SPACE to deselect this row", "按空白鍵取消選取此列", "按空格键取消选择此行"
    ),
    "grid.ariaRowToggleSelection": _m(
        "Press Space to toggle row selection", "按空白鍵切換選取此列", "按空格键切换选择此行"
    ),
    "grid.ariaSearch": _m("Search", "搜尋", "搜索"),
    "grid.ariaFilterInput": _m("Filter Input", "篩選輸入", "筛选输入"),
    "grid.ariaSortableColumn": _m("Press ENTER to sort", "按 Enter 鍵排序", "按 Enter 键排序"),
    "grid.ariaMenuColumn": _m(
        "Press ALT DOWN to open column menu", "按 Alt＋↓ 開啟欄位選單", "按 Alt＋↓ 打开列菜单"
    ),
    # the date picker's screen-reader guidance (react-dates writes it in English)
    "date.screen_reader_forward": _m(
        "Navigate forward to interact with the calendar and select a date. Press the question"
        " mark key to get the keyboard shortcuts for changing dates.",
        "向後移動以操作日曆並選擇日期；按問號鍵查看變更日期的鍵盤快速鍵。",
        "向后移动以操作日历并选择日期；按问号键查看更改日期的键盘快捷键。",
    ),
    "date.screen_reader_backward": _m(
        "Navigate backward to interact with the calendar and select a date. Press the question"
        " mark key to get the keyboard shortcuts for changing dates.",
        "向前移動以操作日曆並選擇日期；按問號鍵查看變更日期的鍵盤快速鍵。",
        "向前移动以操作日历并选择日期；按问号键查看更改日期的键盘快捷键。",
    ),
    # weekdays, Monday first (chart labels such as a working week's hours)
    "weekday.mon": _m("Mon", "週一", "周一"),
    "weekday.tue": _m("Tue", "週二", "周二"),
    "weekday.wed": _m("Wed", "週三", "周三"),
    "weekday.thu": _m("Thu", "週四", "周四"),
    "weekday.fri": _m("Fri", "週五", "周五"),
    "weekday.sat": _m("Sat", "週六", "周六"),
    "weekday.sun": _m("Sun", "週日", "周日"),
    # month caption of the date picker: {year} and {month} (1-12)
    "date.month_caption": _m("{month}/{year}", "{year}年{month}月", "{year}年{month}月"),
}

# Calendar names (Sunday first, as plotly and the date picker count).
WEEKDAYS = {
    "zh-Hant": ("星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"),
    "zh-Hans": ("星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"),
}
SHORT_WEEKDAYS = {"zh-Hant": ("日", "一", "二", "三", "四", "五", "六")}
SHORT_WEEKDAYS["zh-Hans"] = SHORT_WEEKDAYS["zh-Hant"]
MONTHS = tuple(f"{m}月" for m in range(1, 13))

# Plotly's own words (modebar, hover labels) in Traditional and Simplified Chinese.
PLOTLY_WORDS: dict[str, tuple[str, str]] = {
    "Autoscale": ("自動縮放", "自动缩放"),
    "Box Select": ("矩形選取", "矩形选择"),
    "Lasso Select": ("套索選取", "套索选择"),
    "Compare data on hover": ("懸停時比較資料", "悬停时比较数据"),
    "Show closest data on hover": ("懸停時顯示最近的資料", "悬停时显示最近的数据"),
    "Toggle Spike Lines": ("切換輔助線", "切换辅助线"),
    "Double-click on legend to isolate one trace": (
        "雙擊圖例以單獨顯示一組資料",
        "双击图例以单独显示一组数据",
    ),
    "Double-click to zoom back out": ("雙擊以還原縮放", "双击以还原缩放"),
    "Download plot as a png": ("下載圖表（PNG 圖檔）", "下载图表（PNG 图片）"),
    "Download plot as a PNG": ("下載圖表（PNG 圖檔）", "下载图表（PNG 图片）"),  # plotly 6
    "Download plot": ("下載圖表", "下载图表"),
    "Pan": ("平移", "平移"),
    "Reset axes": ("重設座標軸", "重置坐标轴"),
    "Reset": ("重設", "重置"),
    "Reset view": ("重設檢視", "重置视图"),
    "Reset views": ("重設檢視", "重置视图"),
    "Snapshot succeeded": ("已產生圖檔", "已生成图片"),
    "Sorry, there was a problem downloading your snapshot!": (
        "抱歉，下載圖檔時發生問題！",
        "抱歉，下载图片时出现问题！",
    ),
    "Taking snapshot - this may take a few seconds": (
        "正在產生圖檔，可能需要幾秒鐘",
        "正在生成图片，可能需要几秒钟",
    ),
    "Zoom": ("縮放", "缩放"),
    "Zoom in": ("放大", "放大"),
    "Zoom out": ("縮小", "缩小"),
    "trace": ("資料", "数据"),
    "source:": ("來源：", "来源："),
    "target:": ("目標：", "目标："),
    "incoming flow count:": ("流入數：", "流入数："),
    "outgoing flow count:": ("流出數：", "流出数："),
}
