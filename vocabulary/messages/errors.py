"""Failures a user can fix (``error.<code>``; :class:`etl.errors.LoanFlowError`'s codes
and :class:`etl.errors.Phrase`'s): the English is the message the CLI prints, with
``{name}`` for each value; ``tests/test_error_codes.py`` holds every raise to it. The
Chinese leave out command-line flags where the dashboard shows the failure."""

from __future__ import annotations

from vocabulary.messages import _m

ERRORS: dict[str, dict[str, str]] = {
    "error.alignments_too_many": _m(
        "The selection has {count:,} variants; alignments are meant for at most {most:,}. Use "
        "--method token_replay, or filter the cases (period, product, outcome) first.",
        "所選案件有 {count:,} 種流程變體；對齊法最多適用 {most:,} 種。請改用權杖重播，或先篩選"
        "案件（期間、產品、結果）。",
        "所选案件有 {count:,} 种流程变体；对齐法最多适用 {most:,} 种。请改用令牌重放，或先筛选"
        "案件（期间、产品、结果）。",
    ),
    "error.analysis_tables_failed": _m(
        "The dataset {dataset!r} is loaded, but building its analysis tables failed "
        "({reason}). The first analysis of it will build them again.",
        "資料集「{dataset}」已載入，但建立其分析表時失敗（{reason}）。第一次分析時會重新建立。",
        "数据集“{dataset}”已载入，但建立其分析表时失败（{reason}）。第一次分析时会重新建立。",
    ),
    "error.append_layout_events": _m(
        "The dataset {name!r} was loaded with one row per event; this file has one row per "
        "activity instance. Append files of the same layout, or use --replace.",
        "資料集「{name}」載入時為每列一個事件；此檔案為每列一次活動。請附加相同格式的檔案，或改"
        "為取代。",
        "数据集“{name}”载入时为每行一个事件；此文件为每行一次活动。请追加相同格式的文件，或改为"
        "替换。",
    ),
    "error.append_layout_instances": _m(
        "The dataset {name!r} was loaded with one row per activity instance; this file has "
        "one row per event. Append files of the same layout, or use --replace.",
        "資料集「{name}」載入時為每列一次活動；此檔案為每列一個事件。請附加相同格式的檔案，或改"
        "為取代。",
        "数据集“{name}”载入时为每行一次活动；此文件为每行一个事件。请追加相同格式的文件，或改为"
        "替换。",
    ),
    "error.archive_nested": _m(
        "{archive} holds another compressed file ({member}). LoanFlow unpacks one level: "
        "unpack the outer archive and load the file inside.",
        "{archive} 內含另一個壓縮檔（{member}）。LoanFlow 只解開一層：請先解開外層壓縮檔，再載"
        "入其中的檔案。",
        "{archive} 内含另一个压缩文件（{member}）。LoanFlow 只解开一层：请先解开外层压缩文件，"
        "再载入其中的文件。",
    ),
    "error.archive_no_log": _m(
        "{name} holds no log LoanFlow reads (CSV/TSV, Excel .xlsx, Parquet, XES). It holds: "
        "{names}.",
        "{name} 中沒有 LoanFlow 可讀的日誌（CSV/TSV、Excel .xlsx、Parquet、XES）。其中有：{nam"
        "es}。",
        "{name} 中没有 LoanFlow 可读的日志（CSV/TSV、Excel .xlsx、Parquet、XES）。其中有：{nam"
        "es}。",
    ),
    "error.archive_no_log_empty": _m(
        "{name} holds no log LoanFlow reads (CSV/TSV, Excel .xlsx, Parquet, XES). It holds "
        "nothing.",
        "{name} 中沒有 LoanFlow 可讀的日誌（CSV/TSV、Excel .xlsx、Parquet、XES）。壓縮檔是空的。",
        "{name} 中没有 LoanFlow 可读的日志（CSV/TSV、Excel .xlsx、Parquet、XES）。压缩文件是空的。",
    ),
    "error.archive_no_member": _m(
        "{name} has no file named {member!r}. It holds: {names}.",
        "{name} 中沒有名為「{member}」的檔案。其中有：{names}。",
        "{name} 中没有名为“{member}”的文件。其中有：{names}。",
    ),
    "error.archive_no_member_empty": _m(
        "{name} has no file named {member!r}. It holds nothing.",
        "{name} 中沒有名為「{member}」的檔案。壓縮檔是空的。",
        "{name} 中没有名为“{member}”的文件。压缩文件是空的。",
    ),
    "error.archive_several_logs": _m(
        "{name} holds {count} logs: {names}. Choose the one to load, or put only that log in "
        "the archive.",
        "{name} 內有 {count} 份日誌：{names}。請選擇要載入的一份，或讓壓縮檔只含該日誌。",
        "{name} 内有 {count} 份日志：{names}。请选择要载入的一份，或让压缩文件只含该日志。",
    ),
    "error.archive_too_many_members": _m(
        "{name} holds {count:,} files; LoanFlow reads archives of at most {most:,}. Unpack it "
        "and load the log itself.",
        "{name} 內有 {count:,} 個檔案；LoanFlow 只讀取最多 {most:,} 個檔案的壓縮檔。請解開後直"
        "接載入日誌。",
        "{name} 内有 {count:,} 个文件；LoanFlow 只读取最多 {most:,} 个文件的压缩文件。请解开后"
        "直接载入日志。",
    ),
    "error.archive_unsafe_path": _m(
        "{name} holds a file with an unsafe path ({member!r}: absolute or climbing out with "
        "../). LoanFlow refuses such archives; zip the log again.",
        "{name} 內有路徑不安全的檔案（「{member}」：絕對路徑，或以 ../ 跳出資料夾）。LoanFlow "
        "拒絕此類壓縮檔；請重新壓縮日誌。",
        "{name} 内有路径不安全的文件（“{member}”：绝对路径，或以 ../ 跳出文件夹）。LoanFlow 拒"
        "绝此类压缩文件；请重新压缩日志。",
    ),
    "error.cap_by_memory": _m(
        "the limit set by this machine's memory (a sixteenth of its {gigabytes:.1f} GB; "
        "LOANFLOW_MAX_DECOMPRESSED_MB is {setting} MB)",
        "即依本機記憶體設定的上限（其 {gigabytes:.1f} GB 的十六分之一；LOANFLOW_MAX_DECOMPRESS"
        "ED_MB 為 {setting} MB）",
        "即按本机内存设置的上限（其 {gigabytes:.1f} GB 的十六分之一；LOANFLOW_MAX_DECOMPRESSED"
        "_MB 为 {setting} MB）",
    ),
    "error.cap_by_setting": _m(
        "the limit set by LOANFLOW_MAX_DECOMPRESSED_MB",
        "即 LOANFLOW_MAX_DECOMPRESSED_MB 設定的上限",
        "即 LOANFLOW_MAX_DECOMPRESSED_MB 设置的上限",
    ),
    "error.cap_of_load": _m(
        "the limit of this load",
        "本次載入的上限",
        "本次载入的上限",
    ),
    "error.choose_member": _m(
        "{problem} Choose it with --member NAME.",
        "{problem} 請以 --member NAME 選擇。",
        "{problem} 请用 --member NAME 选择。",
    ),
    "error.columns_missing": _m(
        "No column for the {words} could be found. Columns in the file: {found}. Name them in "
        "a profile (--profile FILE):\ncolumns:\n{example}",
        "找不到{words}的欄位。檔案中的欄位：{found}。請在設定檔中指定：\n`columns:\n{example}`",
        "找不到{words}的列。文件中的列：{found}。请在配置文件中指定：\n`columns:\n{example}`",
    ),
    "error.compare_too_few_cases": _m(
        "The {side} period of {dataset!r} holds {count} case(s) under these filters; a "
        "comparison needs at least {least} on each side. Widen the filters or pick another "
        "split date.",
        "「{dataset}」中{side}的期間在目前篩選下只有 {count} 件案件；比較每一側至少需要 {least"
        "} 件。請放寬篩選或改選其他切分日期。",
        "“{dataset}”中{side}的期间在当前筛选下只有 {count} 件案件；比较每一侧至少需要 {least} "
        "件。请放宽筛选或改选其他切分日期。",
    ),
    "error.conformance_method": _m(
        "method is token_replay or alignments",
        "方法須為權杖重播或對齊",
        "方法须为令牌重放或对齐",
    ),
    "error.conformance_no_model": _m(
        "Choose a reference model or upload a BPMN file.",
        "請選擇參考模型或上傳 BPMN 檔。",
        "请选择参考模型或上传 BPMN 文件。",
    ),
    "error.conformance_not_bpmn": _m(
        "{file} is not a BPMN model; upload a .bpmn file.",
        "{file} 不是 BPMN 模型；請上傳 .bpmn 檔。",
        "{file} 不是 BPMN 模型；请上传 .bpmn 文件。",
    ),
    "error.content_mismatch": _m(
        "{file} is named {suffix} but its content is not {kind}. Export the file again.",
        "{file} 的副檔名是 {suffix}，但內容不是 {kind}。請重新匯出檔案。",
        "{file} 的扩展名是 {suffix}，但内容不是 {kind}。请重新导出文件。",
    ),
    "error.csv_unreadable": _m(
        "{file} cannot be read as CSV ({reason}). Check the delimiter and encoding, or set "
        "them in the profile.",
        "無法以 CSV 讀取 {file}（{reason}）。請檢查分隔符號與編碼，或在設定檔中指定。",
        "无法以 CSV 读取 {file}（{reason}）。请检查分隔符与编码，或在配置文件中指定。",
    ),
    "error.dataset_exists": _m(
        "A dataset named {name!r} already exists. Use --replace to swap it whole, --append to "
        "add the new events, or choose another name.",
        "名為「{name}」的資料集已存在：可取代整個資料集、附加新的事件，或改用其他名稱。",
        "名为“{name}”的数据集已存在：可替换整个数据集、追加新的事件，或改用其他名称。",
    ),
    "error.dataset_name_missing": _m(
        "Give the dataset a name (--dataset NAME).",
        "請為資料集命名。",
        "请为数据集命名。",
    ),
    "error.dataset_name_unusable": _m(
        "The dataset name {name!r} is not usable: at most {most} printable characters.",
        "資料集名稱「{name}」無法使用：最多 {most} 個可列印字元。",
        "数据集名称“{name}”无法使用：最多 {most} 个可打印字符。",
    ),
    "error.demo_no_log": _m(
        "The sample-log generator wrote no {scenario} log in {folder}.",
        "範例日誌產生器沒有在 {folder} 寫出 {scenario} 日誌。",
        "示例日志生成器没有在 {folder} 写出 {scenario} 日志。",
    ),
    "error.demo_no_profile": _m(
        "No profile for the sample log {file} in {folder}; expected {scenario}.profile.yaml "
        "(or profile.yaml).",
        "{folder} 中沒有範例日誌 {file} 的設定檔；應為 {scenario}.profile.yaml（或 profile.yam"
        "l）。",
        "{folder} 中没有示例日志 {file} 的配置文件；应为 {scenario}.profile.yaml（或 profile.y"
        "aml）。",
    ),
    "error.encoding_bad_bytes": _m(
        "{file} is not valid {encoding} text (bad bytes at byte {offset:,}). Set `encoding:` "
        "in the profile to the file's real encoding, or save it as UTF-8.",
        "{file} 不是有效的 {encoding} 文字（第 {offset:,} 位元組有錯誤位元組）。請在設定檔中以"
        " `encoding:` 指定檔案實際的編碼，或另存為 UTF-8。",
        "{file} 不是有效的 {encoding} 文本（第 {offset:,} 字节有错误字节）。请在配置文件中用 `"
        "encoding:` 指定文件实际的编码，或另存为 UTF-8。",
    ),
    "error.encoding_cut_short": _m(
        "{file} ends in the middle of a {encoding} character; the file looks cut short.",
        "{file} 在一個 {encoding} 字元中間結束；檔案似乎不完整。",
        "{file} 在一个 {encoding} 字符中间结束；文件似乎不完整。",
    ),
    "error.encoding_unknown": _m(
        "The file's text is not UTF-8, GB18030/GBK or Big5. Save it as UTF-8 (or set "
        "`encoding:` in the profile to its encoding, e.g. cp1252).",
        "檔案文字不是 UTF-8、GB18030/GBK 或 Big5。請另存為 UTF-8（或在設定檔中以 `encoding:` 指"
        "定其編碼，例如 cp1252）。",
        "文件文本不是 UTF-8、GB18030/GBK 或 Big5。请另存为 UTF-8（或在配置文件中用 `encoding:`"
        " 指定其编码，例如 cp1252）。",
    ),
    "error.encoding_unknown_profile": _m(
        "Unknown encoding {encoding!r} in the profile. Use auto, utf-8, gb18030, big5 or "
        "another Python codec name.",
        "設定檔中的編碼「{encoding}」無法辨識。請使用 auto、utf-8、gb18030、big5 或其他 Python"
        " 編碼名稱。",
        "配置文件中的编码“{encoding}”无法识别。请使用 auto、utf-8、gb18030、big5 或其他 Python"
        " 编码名称。",
    ),
    "error.engine_unknown": _m(
        "Unknown engine {name!r}: choose one of {known}.",
        "未知的引擎「{name}」：請從 {known} 中選擇。",
        "未知的引擎“{name}”：请从 {known} 中选择。",
    ),
    "error.export_unknown": _m(
        "There is no {fmt!r} download of a table named {name!r}.",
        "沒有名為「{name}」的表格的 {fmt} 下載。",
        "没有名为“{name}”的表格的 {fmt} 下载。",
    ),
    "error.field_activity": _m(
        "activity",
        "活動",
        "活动",
    ),
    "error.field_case_attribute": _m(
        "case attribute {name}",
        "案件屬性 {name}",
        "案件属性 {name}",
    ),
    "error.field_case_id": _m(
        "case id",
        "案件編號",
        "案件编号",
    ),
    "error.field_department": _m(
        "department",
        "部門",
        "部门",
    ),
    "error.field_lifecycle": _m(
        "lifecycle",
        "生命週期",
        "生命周期",
    ),
    "error.field_resource": _m(
        "resource",
        "經辦人",
        "经办人",
    ),
    "error.field_start_timestamp": _m(
        "start timestamp",
        "開始時間",
        "开始时间",
    ),
    "error.field_timestamp": _m(
        "timestamp",
        "時間",
        "时间",
    ),
    "error.file_empty": _m(
        "{file} is empty (0 bytes). Export the log again.",
        "{file} 是空檔案（0 位元組）。請重新匯出日誌。",
        "{file} 是空文件（0 字节）。请重新导出日志。",
    ),
    "error.file_is_folder": _m(
        "{path} is a folder, not a file. Give the path of a log file.",
        "{path} 是資料夾，不是檔案。請提供日誌檔的路徑。",
        "{path} 是文件夹，不是文件。请提供日志文件的路径。",
    ),
    "error.file_no_rows": _m(
        "{file} has no data rows (only a header, or nothing). Export the log again.",
        "{file} 沒有資料列（只有標題列，或完全空白）。請重新匯出日誌。",
        "{file} 没有数据行（只有标题行，或完全空白）。请重新导出日志。",
    ),
    "error.file_not_found": _m(
        "File not found: {path}. Check the path and try again.",
        "找不到檔案：{path}。請檢查路徑後再試。",
        "找不到文件：{path}。请检查路径后再试。",
    ),
    "error.file_permission": _m(
        "Cannot read {path}: permission denied.",
        "無法讀取 {path}：沒有權限。",
        "无法读取 {path}：没有权限。",
    ),
    "error.gzip_invalid": _m(
        "{file} is not a valid gzip file ({reason}).",
        "{file} 不是有效的 gzip 檔（{reason}）。",
        "{file} 不是有效的 gzip 文件（{reason}）。",
    ),
    "error.gzip_truncated": _m(
        "{file} is a truncated gzip file (it ends before the compressed data does). Download "
        "or copy it again.",
        "{file} 是不完整的 gzip 檔（在壓縮資料結束前就中斷）。請重新下載或複製。",
        "{file} 是不完整的 gzip 文件（在压缩数据结束前就中断）。请重新下载或复制。",
    ),
    "error.inflated_declared": _m(
        "{label} decompresses to {size:,} MB, more than {cap} MB, {reason}. Raise the limit "
        "if the log is genuine.",
        "{label} 解壓縮後為 {size:,} MB，超過 {cap} MB，{reason}。若日誌確實無誤，請提高上限。",
        "{label} 解压后为 {size:,} MB，超过 {cap} MB，{reason}。若日志确实无误，请提高上限。",
    ),
    "error.inflated_too_large": _m(
        "{label} decompresses to more than {cap} MB, {reason}. Raise the limit if the log is "
        "genuine.",
        "{label} 解壓縮後超過 {cap} MB，{reason}。若日誌確實無誤，請提高上限。",
        "{label} 解压后超过 {cap} MB，{reason}。若日志确实无误，请提高上限。",
    ),
    "error.job_busy": _m(
        "Another job of this kind is running; wait for it to finish or cancel it.",
        "另一個同類作業正在執行；請等待其完成或取消它。",
        "另一个同类任务正在运行；请等待其完成或取消它。",
    ),
    "error.job_cancelled": _m(
        "The job was cancelled.",
        "作業已取消。",
        "任务已取消。",
    ),
    "error.key_exists": _m(
        "{target} already exists; LoanFlow never overwrites a pseudonym key (every dataset "
        "loaded with it would stop joining). Choose another file name.",
        "{target} 已存在；LoanFlow 絕不覆寫化名金鑰（以它載入的資料集將無法再互相對應）。請改用"
        "其他檔名。",
        "{target} 已存在；LoanFlow 绝不覆盖假名密钥（用它载入的数据集将无法再互相关联）。请改用"
        "其他文件名。",
    ),
    "error.key_file_missing": _m(
        "The pseudonym key file {path} (LOANFLOW_PSEUDONYM_KEY_FILE) does not exist; create "
        "it with `loanflow keygen FILE`.",
        "化名金鑰檔 {path}（LOANFLOW_PSEUDONYM_KEY_FILE）不存在；請以 `loanflow keygen FILE` 建"
        "立。",
        "假名密钥文件 {path}（LOANFLOW_PSEUDONYM_KEY_FILE）不存在；请用 `loanflow keygen FILE`"
        " 创建。",
    ),
    "error.key_folder_missing": _m(
        "The folder {folder} does not exist; create it first.",
        "資料夾 {folder} 不存在；請先建立。",
        "文件夹 {folder} 不存在；请先创建。",
    ),
    "error.key_invalid": _m(
        "{path} does not hold a LoanFlow pseudonym key (64 hex digits); create one with "
        "`loanflow keygen FILE`.",
        "{path} 不是 LoanFlow 化名金鑰（64 個十六進位數字）；請以 `loanflow keygen FILE` 建立。",
        "{path} 不是 LoanFlow 假名密钥（64 个十六进制数字）；请用 `loanflow keygen FILE` 创建。",
    ),
    "error.key_no_permission": _m(
        "No permission to create {target}; choose another folder.",
        "沒有建立 {target} 的權限；請選擇其他資料夾。",
        "没有创建 {target} 的权限；请选择其他文件夹。",
    ),
    "error.key_not_set": _m(
        "The profile asks for pseudonymisation but no key is set. Create one with `loanflow "
        "keygen /secure/place/loanflow.key` (keep it outside the store and back it up) and "
        "set LOANFLOW_PSEUDONYM_KEY_FILE to its path.",
        "設定檔要求化名處理，但尚未設定金鑰。請以 `loanflow keygen /secure/place/loanflow.key`"
        " 建立（存放在儲存庫之外並備份），並將 LOANFLOW_PSEUDONYM_KEY_FILE 設為其路徑。",
        "配置文件要求假名化处理，但尚未设置密钥。请用 `loanflow keygen /secure/place/loanflow."
        "key` 创建（存放在存储库之外并备份），并将 LOANFLOW_PSEUDONYM_KEY_FILE 设为其路径。",
    ),
    "error.key_readable_by_others": _m(
        "The pseudonym key file {path} can be read by other users; restrict it with `chmod "
        "600 {path}`.",
        "化名金鑰檔 {path} 可被其他使用者讀取；請以 `chmod 600 {path}` 限制權限。",
        "假名密钥文件 {path} 可被其他用户读取；请用 `chmod 600 {path}` 限制权限。",
    ),
    "error.key_unreadable": _m(
        "Cannot read the pseudonym key file {path}: {reason}.",
        "無法讀取化名金鑰檔 {path}：{reason}。",
        "无法读取假名密钥文件 {path}：{reason}。",
    ),
    "error.lake_dataset_exists": _m(
        "The lake at {root} already has dataset {dataset!r}: --replace swaps it whole.",
        "資料湖 {root} 中已有資料集「{dataset}」：--replace 會整個取代它。",
        "数据湖 {root} 中已有数据集“{dataset}”：--replace 会整个替换它。",
    ),
    "error.lake_catalog_database": _m(
        "Spark's catalog has no database {database!r}: create it (CREATE DATABASE {database}) "
        "or name one that exists.",
        "Spark 的目錄中沒有資料庫「{database}」：請建立（"
        "CREATE DATABASE {database}）或指定既有的資料庫。",
        "Spark 的目录中没有数据库“{database}”：请创建（"
        "CREATE DATABASE {database}）或指定已有的数据库。",
    ),
    "error.lake_catalog_name": _m(
        "{text!r} is not a catalog database: write catalog:DATABASE or catalog:CATALOG.DATABASE, "
        "with letters, digits and underscores.",
        "「{text}」不是目錄中的資料庫：請寫成 catalog:DATABASE 或 catalog:CATALOG.DATABASE，"
        "只用字母、數字與底線。",
        "“{text}”不是目录中的数据库：请写成 catalog:DATABASE 或 catalog:CATALOG.DATABASE，"
        "只用字母、数字和下划线。",
    ),
    "error.lake_dataset_missing": _m(
        "The lake at {root} has no dataset {dataset!r} (it has: {known}). Load it with "
        "loanflow ingest FILE --dataset {dataset} --engine spark --to {root}.",
        "資料湖 {root} 中沒有資料集「{dataset}」（現有：{known}）。請以 `loanflow ingest FILE "
        "--dataset {dataset} --engine spark --to {root}` 載入。",
        "数据湖 {root} 中没有数据集“{dataset}”（现有：{known}）。请用 `loanflow ingest FILE --"
        "dataset {dataset} --engine spark --to {root}` 载入。",
    ),
    "error.lake_needs_spark": _m(
        "DuckDB reads a lake in a folder on this machine; {lake} is reached through Spark: use "
        "--engine spark (or copy the lake to a local folder).",
        "DuckDB 只讀取本機資料夾中的資料湖；{lake} 需經由 Spark 存取："
        "請改用 --engine spark（或把資料湖複製到本機資料夾）。",
        "DuckDB 只读取本机文件夹中的数据湖；{lake} 需经由 Spark 访问："
        "请改用 --engine spark（或把数据湖复制到本机文件夹）。",
    ),
    "error.lake_only_whatif": _m(
        "{dataset!r} is only in the lake; the what-if model is discovered from a store's "
        "copy. Load it into the store (loanflow ingest FILE --dataset {dataset}) to simulate "
        "it.",
        "「{dataset}」只在資料湖中；情境模擬的模型由本機資料庫中的副本發現。請先在「資料」頁"
        "載入後再模擬。",
        "“{dataset}”只在数据湖中；情景模拟的模型由本机数据库中的副本发现。请先在“数据”页"
        "载入后再模拟。",
    ),
    "error.lake_no_append": _m(
        "--append is not supported for the lake: load the whole log again.",
        "資料湖不支援 --append：請重新載入整份日誌。",
        "数据湖不支持 --append：请重新载入整份日志。",
    ),
    "error.lake_not_named": _m(
        "Say which lake to write to: --to PATH, or set LOANFLOW_LAKE (loanflow settings).",
        "請指定要寫入的資料湖：--to PATH，或設定 LOANFLOW_LAKE（loanflow settings）。",
        "请指定要写入的数据湖：--to PATH，或设置 LOANFLOW_LAKE（loanflow settings）。",
    ),
    "error.lake_read_back": _m(
        "Spark read back {read} rows, not the {written} written to {root}: check the lake's "
        "file system.",
        "Spark 讀回 {read} 列，而非寫入 {root} 的 {written} 列：請檢查資料湖的檔案系統。",
        "Spark 读回 {read} 行，而非写入 {root} 的 {written} 行：请检查数据湖的文件系统。",
    ),
    "error.lake_table_missing": _m(
        "The lake at {lake} has no {table} of dataset {dataset!r}.",
        "資料湖 {lake} 中沒有資料集「{dataset}」的 {table}。",
        "数据湖 {lake} 中没有数据集“{dataset}”的 {table}。",
    ),
    "error.lake_write_needs_spark": _m(
        "{lake} is written through Spark: add --engine spark.",
        "{lake} 需經由 Spark 寫入：請加上 --engine spark。",
        "{lake} 需经由 Spark 写入：请加上 --engine spark。",
    ),
    "error.last_admin_demote": _m(
        "Cannot demote {username!r}: it is the last admin. Make another user an admin first "
        "(`loanflow users role NAME admin`).",
        "無法降低「{username}」的角色：這是最後一位管理員。請先將另一位使用者設為管理員。",
        "无法降低“{username}”的角色：这是最后一位管理员。请先将另一位用户设为管理员。",
    ),
    "error.last_admin_disable": _m(
        "Cannot disable {username!r}: it is the last admin. Make another user an admin first "
        "(`loanflow users role NAME admin`).",
        "無法停用「{username}」：這是最後一位管理員。請先將另一位使用者設為管理員。",
        "无法停用“{username}”：这是最后一位管理员。请先将另一位用户设为管理员。",
    ),
    "error.last_admin_remove": _m(
        "Cannot remove {username!r}: it is the last admin. Make another user an admin first "
        "(`loanflow users role NAME admin`).",
        "無法刪除「{username}」：這是最後一位管理員。請先將另一位使用者設為管理員。",
        "无法删除“{username}”：这是最后一位管理员。请先将另一位用户设为管理员。",
    ),
    "error.load_cancelled": _m(
        "load cancelled",
        "已取消載入",
        "已取消载入",
    ),
    "error.load_cancelled_nothing_written": _m(
        "The load was cancelled; nothing was written.",
        "已取消載入；沒有寫入任何資料。",
        "已取消载入；没有写入任何数据。",
    ),
    "error.load_conflict": _m(
        "Another load changed the dataset {dataset!r} at the same time ({reason}). Try again "
        "when it has finished.",
        "另一個載入作業同時變更了資料集「{dataset}」（{reason}）。請待其完成後再試。",
        "另一个载入任务同时更改了数据集“{dataset}”（{reason}）。请待其完成后再试。",
    ),
    "error.load_mode_unknown": _m(
        "Unknown load mode {mode!r}: use create, replace or append.",
        "未知的載入模式「{mode}」：請使用建立、取代或附加。",
        "未知的载入模式“{mode}”：请使用创建、替换或追加。",
    ),
    "error.load_out_of_memory": _m(
        "The load ran out of memory; nothing was written.",
        "載入時記憶體不足；沒有寫入任何資料。",
        "载入时内存不足；没有写入任何数据。",
    ),
    "error.load_out_of_memory_cap": _m(
        "The load needed more than {megabytes:,} MB of memory (the cap set by "
        "LOANFLOW_LOAD_MEMORY_MB, by default half of this machine's memory) and was stopped; "
        "nothing was written. A small compressed file that inflates to gigabytes does this: "
        "check the file, or load it with `loanflow ingest` on a machine with more memory.",
        "載入所需記憶體超過 {megabytes:,} MB（LOANFLOW_LOAD_MEMORY_MB 設定的上限，預設為本機記"
        "憶體的一半），已停止；沒有寫入任何資料。解壓後達數 GB 的小型壓縮檔會造成這種情況：請檢"
        "查檔案，或在記憶體較多的電腦上載入。",
        "载入所需内存超过 {megabytes:,} MB（LOANFLOW_LOAD_MEMORY_MB 设置的上限，默认为本机内存"
        "的一半），已停止；没有写入任何数据。解压后达数 GB 的小型压缩文件会造成这种情况：请检查"
        "文件，或在内存更多的电脑上载入。",
    ),
    "error.load_stopped_unexpectedly": _m(
        "The load stopped unexpectedly ({last}); nothing was written. Try the file with "
        "`loanflow ingest --dry-run` to see what goes wrong.",
        "載入意外中止（{last}）；沒有寫入任何資料。請檢查檔案內容後再試。",
        "载入意外中止（{last}）；没有写入任何数据。请检查文件内容后再试。",
    ),
    "error.member_in_gzip": _m(
        "{file} is a gzip file holding one log: a member can be chosen only in a zip archive.",
        "{file} 是只含一份日誌的 gzip 檔：只有 zip 壓縮檔才能選擇成員檔案。",
        "{file} 是只含一份日志的 gzip 文件：只有 zip 压缩文件才能选择成员文件。",
    ),
    "error.member_not_zip": _m(
        "{file} is not a zip archive: a member to load can be chosen only in a zip.",
        "{file} 不是 zip 壓縮檔：只有 zip 才能選擇要載入的成員檔案。",
        "{file} 不是 zip 压缩文件：只有 zip 才能选择要载入的成员文件。",
    ),
    "error.model_file_missing": _m(
        "model file {path} does not exist",
        "模型檔 {path} 不存在",
        "模型文件 {path} 不存在",
    ),
    "error.model_missing_keys": _m(
        "{source} is not a LoanFlow model: missing {keys}. Make one with: loanflow model NAME "
        "--out model.json",
        "{source} 不是 LoanFlow 模型：缺少 {keys}。請以 loanflow model NAME --out model.json 產"
        "生。",
        "{source} 不是 LoanFlow 模型：缺少 {keys}。请用 loanflow model NAME --out model.json 生"
        "成。",
    ),
    "error.model_not_found": _m(
        "No model file at {path}. Give the path of a BPMN (.bpmn) or PNML (.pnml) file, e.g. "
        "sample_logs/to_be.bpmn.",
        "{path} 沒有模型檔。請提供 BPMN（.bpmn）或 PNML（.pnml）檔的路徑，例如 sample_logs/to_"
        "be.bpmn。",
        "{path} 没有模型文件。请提供 BPMN（.bpmn）或 PNML（.pnml）文件的路径，例如 sample_logs"
        "/to_be.bpmn。",
    ),
    "error.model_not_json": _m(
        "{path} is not a LoanFlow model (JSON): {reason}",
        "{path} 不是 LoanFlow 模型（JSON）：{reason}",
        "{path} 不是 LoanFlow 模型（JSON）：{reason}",
    ),
    "error.model_not_json_object": _m(
        "{source} is not a LoanFlow model (a JSON object)",
        "{source} 不是 LoanFlow 模型（JSON 物件）",
        "{source} 不是 LoanFlow 模型（JSON 对象）",
    ),
    "error.model_unreadable": _m(
        "Cannot read the model {path}: {reason}. Save it as BPMN 2.0 XML (.bpmn) or PNML (.pnml).",
        "無法讀取模型 {path}：{reason}。請另存為 BPMN 2.0 XML（.bpmn）或 PNML（.pnml）。",
        "无法读取模型 {path}：{reason}。请另存为 BPMN 2.0 XML（.bpmn）或 PNML（.pnml）。",
    ),
    "error.model_version": _m(
        "{source} is a model of version {version}; this LoanFlow reads version {expected}. "
        "Discover it again with loanflow model.",
        "{source} 是第 {version} 版的模型；此版 LoanFlow 讀取第 {expected} 版。請以 loanflow m"
        "odel 重新探勘。",
        "{source} 是第 {version} 版的模型；此版 LoanFlow 读取第 {expected} 版。请用 loanflow m"
        "odel 重新挖掘。",
    ),
    "error.name_required": _m(
        "Give the dataset a name.",
        "請輸入資料集名稱。",
        "请输入数据集名称。",
    ),
    "error.nested_compressed": _m(
        "{member} in {file} is itself compressed. LoanFlow unpacks one level: unpack the "
        "outer file and load the one inside.",
        "{file} 中的 {member} 本身也是壓縮檔。LoanFlow 只解開一層：請先解開外層檔案，再載入其中"
        "的檔案。",
        "{file} 中的 {member} 本身也是压缩文件。LoanFlow 只解开一层：请先解开外层文件，再载入其"
        "中的文件。",
    ),
    "error.no_columns": _m(
        "(none)",
        "（無）",
        "（无）",
    ),
    "error.no_datasets_yet": _m(
        "none yet",
        "尚無",
        "暂无",
    ),
    "error.no_upload": _m(
        "Upload a file first.",
        "請先上傳檔案。",
        "请先上传文件。",
    ),
    "error.parquet_unreadable": _m(
        "{file} is not a readable Parquet file ({reason}).",
        "{file} 不是可讀的 Parquet 檔（{reason}）。",
        "{file} 不是可读的 Parquet 文件（{reason}）。",
    ),
    "error.password_stdin_empty": _m(
        "No password given: standard input is empty. Run the command in a terminal to be "
        "asked, or pipe the password in as one line.",
        "未提供密碼：標準輸入是空的。請在終端機中執行以便輸入，或以一行文字導入密碼。",
        "未提供密码：标准输入是空的。请在终端中运行以便输入，或以一行文本导入密码。",
    ),
    "error.password_too_short": _m(
        "The password is too short: use at least {shortest} characters (a few words make a "
        "long password that is easy to remember).",
        "密碼太短：請至少使用 {shortest} 個字元（幾個詞組成的長密碼既安全又好記）。",
        "密码太短：请至少使用 {shortest} 个字符（几个词组成的长密码既安全又好记）。",
    ),
    "error.prediction_missing": _m(
        "no prediction file at {path}",
        "{path} 沒有預測檔",
        "{path} 没有预测文件",
    ),
    "error.prediction_not_kept": _m(
        "No kept prediction {ident!r} in the store (kept: {known}). List them with `loanflow "
        "predictions`, or give a file saved from `loanflow simulate --json`.",
        "儲存庫中沒有保存的預測「{ident}」（已保存：{known}）。請以 `loanflow predictions` 列出"
        "，或提供以 `loanflow simulate --json` 儲存的檔案。",
        "存储库中没有保存的预测“{ident}”（已保存：{known}）。请用 `loanflow predictions` 列出，"
        "或提供用 `loanflow simulate --json` 保存的文件。",
    ),
    "error.prediction_not_metrics": _m(
        "{source} is not a prediction of `loanflow simulate --json`: it needs 'metrics' with "
        "{metrics}",
        "{source} 不是 `loanflow simulate --json` 的預測結果：需要含 {metrics} 的 'metrics'",
        "{source} 不是 `loanflow simulate --json` 的预测结果：需要含 {metrics} 的 'metrics'",
    ),
    "error.prediction_unreadable": _m(
        "{path} is not a prediction: save one with `loanflow simulate DATASET --scenario FILE "
        "--json > {file}` ({reason})",
        "{path} 不是預測結果：請以 `loanflow simulate DATASET --scenario FILE --json > {file}`"
        " 儲存（{reason}）",
        "{path} 不是预测结果：请用 `loanflow simulate DATASET --scenario FILE --json > {file}`"
        " 保存（{reason}）",
    ),
    "error.profile_column_missing": _m(
        "The profile maps {field_name} to the column {column!r}, which is not in the file. "
        "Columns found: {found}. Fix the profile's column name (it must match the header "
        "exactly).",
        "設定檔把 {field_name} 對應到欄位「{column}」，但檔案中沒有這個欄位。找到的欄位：{foun"
        "d}。請修正設定檔中的欄位名稱（須與標題列完全相同）。",
        "配置文件把 {field_name} 对应到列“{column}”，但文件中没有这一列。找到的列：{found}。请"
        "修正配置文件中的列名（须与标题行完全相同）。",
    ),
    "error.profile_column_twice": _m(
        "The column(s) {columns} are mapped to more than one field; each field needs its own "
        "column.",
        "欄位 {columns} 被對應到多個欄位項目；每個項目需要各自的欄位。",
        "列 {columns} 被对应到多个字段；每个字段需要各自的列。",
    ),
    "error.profile_example_column": _m(
        "  {field}: <column name>",
        "  {field}: <欄位名稱>",
        "  {field}: <列名>",
    ),
    "error.profile_greater_than": _m(
        "- {where}: Input should be greater than {limit}",
        "- {where}：必須大於 {limit}",
        "- {where}：必须大于 {limit}",
    ),
    "error.profile_hours_both": _m(
        "Give both the start and the end of the working hours.",
        "請填寫工作時間的開始與結束。",
        "请填写工作时间的开始与结束。",
    ),
    "error.profile_hours_format": _m(
        "Working hours are times such as 09:00 (got {start} to {end}).",
        "工作時間須為 09:00 這類時間（收到 {start} 至 {end}）。",
        "工作时间须为 09:00 这类时间（收到 {start} 至 {end}）。",
    ),
    "error.profile_hours_increase": _m(
        "the times in hours must increase: each span starts after the last",
        "`hours` 中的時間須遞增：每段都在上一段之後開始",
        "`hours` 中的时间须递增：每段都在上一段之后开始",
    ),
    "error.profile_hours_order": _m(
        "The working hours must start before they end (got {start} to {end}).",
        "工作時間的開始須早於結束（收到 {start} 至 {end}）。",
        "工作时间的开始须早于结束（收到 {start} 至 {end}）。",
    ),
    "error.profile_hours_pairs": _m(
        "hours must be start, end pairs, e.g. ['09:00', '12:00', '13:00', '17:30']",
        "`hours` 須為成對的開始、結束時間，例如 `['09:00', '12:00', '13:00', '17:30']`",
        "`hours` 须为成对的开始、结束时间，例如 `['09:00', '12:00', '13:00', '17:30']`",
    ),
    "error.profile_hours_start_end": _m(
        "working hours must start before they end, e.g. ['09:00', '17:30']",
        "工作時間的開始須早於結束，例如 `['09:00', '17:30']`",
        "工作时间的开始须早于结束，例如 `['09:00', '17:30']`",
    ),
    "error.profile_invalid": _m(
        "{source} is not valid:\n{problems}",
        "{source}無效：\n{problems}",
        "{source}无效：\n{problems}",
    ),
    "error.profile_not_found": _m(
        "Profile {target} not found.",
        "找不到設定檔 {target}。",
        "找不到配置文件 {target}。",
    ),
    "error.profile_not_mapping": _m(
        "{source} must be a mapping of keys (columns:, timezone:, ...).",
        "{source}必須是鍵值對應（`columns:`、`timezone:` 等）。",
        "{source}必须是键值映射（`columns:`、`timezone:` 等）。",
    ),
    "error.profile_not_utf8": _m(
        "Profile {target} is not UTF-8 text; save it as UTF-8.",
        "設定檔 {target} 不是 UTF-8 文字；請另存為 UTF-8。",
        "配置文件 {target} 不是 UTF-8 文本；请另存为 UTF-8。",
    ),
    "error.profile_not_yaml": _m(
        "Profile {target} is not valid YAML: {reason}",
        "設定檔 {target} 不是有效的 YAML：{reason}",
        "配置文件 {target} 不是有效的 YAML：{reason}",
    ),
    "error.profile_outcome": _m(
        "Unknown outcome {value!r}: use one of {outcomes}.",
        "未知的結果「{value}」：請選擇核准、拒絕或撤回。",
        "未知的结果“{value}”：请选择批准、拒绝或撤回。",
    ),
    "error.profile_problem": _m(
        "- {where}: {problem}",
        "- {where}：{problem}",
        "- {where}：{problem}",
    ),
    "error.profile_sla": _m(
        "The SLA must be a positive number of hours, e.g. 72 (got {value!r}).",
        "SLA 必須是正數的小時數，例如 72（收到「{value}」）。",
        "SLA 必须是正数的小时数，例如 72（收到“{value}”）。",
    ),
    "error.profile_text_not_mapping": _m(
        "The profile must be a YAML mapping (key: value lines).",
        "設定檔必須是 YAML 對應（每行「鍵: 值」）。",
        "配置文件必须是 YAML 映射（每行“键: 值”）。",
    ),
    "error.profile_text_not_yaml": _m(
        "The profile is not valid YAML: {reason}. Fix it or clear it.",
        "設定檔不是有效的 YAML：{reason}。請修正或清除。",
        "配置文件不是有效的 YAML：{reason}。请修正或清除。",
    ),
    "error.profile_timezone": _m(
        "Unknown time zone {value!r}: use an IANA name such as Asia/Shanghai or UTC.",
        "未知的時區「{value}」：請使用 Asia/Taipei 或 UTC 這類 IANA 名稱。",
        "未知的时区“{value}”：请使用 Asia/Shanghai 或 UTC 这类 IANA 名称。",
    ),
    "error.profile_top_level": _m(
        "(top level)",
        "（最上層）",
        "（顶层）",
    ),
    "error.profile_unknown_key": _m(
        "- {where}: unknown key; check its spelling against DESIGN.md",
        "- {where}：未知的鍵；請檢查拼寫。",
        "- {where}：未知的键；请检查拼写。",
    ),
    "error.profile_unknown_timezone": _m(
        "unknown time zone {value!r}; use an IANA name such as Asia/Shanghai or UTC",
        "未知的時區「{value}」；請使用 Asia/Taipei 或 UTC 這類 IANA 名稱",
        "未知的时区“{value}”；请使用 Asia/Shanghai 或 UTC 这类 IANA 名称",
    ),
    "error.profile_value_error": _m(
        "- {where}: Value error, {said}",
        "- {where}：{said}",
        "- {where}：{said}",
    ),
    "error.profile_workdays": _m(
        "Choose at least one working day.",
        "請至少選擇一個工作日。",
        "请至少选择一个工作日。",
    ),
    "error.prosimos_needs_bpmn": _m(
        "--prosimos needs --bpmn too: Prosimos reads both files",
        "--prosimos 也需要 --bpmn：Prosimos 需讀取兩個檔案",
        "--prosimos 也需要 --bpmn：Prosimos 需读取两个文件",
    ),
    "error.pseudonymise_attribute_missing": _m(
        "The profile asks to pseudonymise the attribute {attribute!r}, but the log has no "
        "such column or attribute. Check its spelling against the file's header (names are "
        "case-sensitive).",
        "設定檔要求將屬性「{attribute}」化名，但日誌中沒有此欄位或屬性。請對照檔案標題列檢查拼"
        "寫（名稱區分大小寫）。",
        "配置文件要求将属性“{attribute}”假名化，但日志中没有此列或属性。请对照文件标题行检查拼"
        "写（名称区分大小写）。",
    ),
    "error.pseudonymise_column_missing": _m(
        "The profile asks to pseudonymise {name} but the staged rows have no {name} column; "
        "map it under columns: in the profile.",
        "設定檔要求將 {name} 化名，但暫存資料中沒有 {name} 欄位；請在設定檔的 `columns:` 中對應"
        "它。",
        "配置文件要求将 {name} 假名化，但暂存数据中没有 {name} 列；请在配置文件的 `columns:` 中"
        "映射它。",
    ),
    "error.replace_and_append": _m(
        "Choose one of --replace and --append, not both.",
        "--replace 與 --append 只能擇一。",
        "--replace 与 --append 只能择一。",
    ),
    "error.role_unknown": _m(
        "Unknown role {role!r}; choose one of {roles}.",
        "未知的角色「{role}」；請從 {roles} 中選擇。",
        "未知的角色“{role}”；请从 {roles} 中选择。",
    ),
    "error.sample_cases": _m(
        "--cases must be at least 1.",
        "--cases 至少須為 1。",
        "--cases 至少须为 1。",
    ),
    "error.sample_encoding_csv_only": _m(
        "--encoding {encoding} applies to CSV only; {fmt} files are UTF-8.",
        "--encoding {encoding} 只適用於 CSV；{fmt} 檔一律為 UTF-8。",
        "--encoding {encoding} 只适用于 CSV；{fmt} 文件一律为 UTF-8。",
    ),
    "error.sample_encoding_unknown": _m(
        "Unknown encoding {encoding!r}; choose {known}.",
        "未知的編碼「{encoding}」；請選擇 {known}。",
        "未知的编码“{encoding}”；请选择 {known}。",
    ),
    "error.sample_folder_missing": _m(
        "Folder {folder} does not exist; create it or choose --out.",
        "資料夾 {folder} 不存在；請建立它或以 --out 另選。",
        "文件夹 {folder} 不存在；请创建它或用 --out 另选。",
    ),
    "error.sample_format_unknown": _m(
        "Unknown format {fmt!r}; choose one of {known}.",
        "未知的格式「{fmt}」；請從 {known} 中選擇。",
        "未知的格式“{fmt}”；请从 {known} 中选择。",
    ),
    "error.sample_language_unknown": _m(
        "Unknown language {lang!r}; choose zh or en.",
        "未知的語言「{lang}」；請選擇 zh 或 en。",
        "未知的语言“{lang}”；请选择 zh 或 en。",
    ),
    "error.sample_layout_unknown": _m(
        "Unknown layout {layout!r}; choose one of {known}.",
        "未知的資料格式「{layout}」；請從 {known} 中選擇。",
        "未知的数据格式“{layout}”；请从 {known} 中选择。",
    ),
    "error.sample_scenario_unknown": _m(
        "Unknown scenario {scenario!r}; choose one of {known}.",
        "未知的情境「{scenario}」；請從 {known} 中選擇。",
        "未知的情景“{scenario}”；请从 {known} 中选择。",
    ),
    "error.sample_staff_none": _m(
        "--staff {pair!r}: a department needs at least one person.",
        "--staff「{pair}」：部門至少需要一人。",
        "--staff“{pair}”：部门至少需要一人。",
    ),
    "error.sample_staff_not_whole": _m(
        "--staff {pair!r}: {count!r} is not a whole number.",
        "--staff「{pair}」：「{count}」不是整數。",
        "--staff“{pair}”：“{count}”不是整数。",
    ),
    "error.sample_staff_unknown": _m(
        "--staff {pair!r}: write DEPARTMENT=N with one of: {known}.",
        "--staff「{pair}」：請寫成 DEPARTMENT=N，部門為 {known} 之一。",
        "--staff“{pair}”：请写成 DEPARTMENT=N，部门为 {known} 之一。",
    ),
    "error.sample_volume": _m(
        "--volume must be positive (1.0 is the normal arrival rate).",
        "`--volume` 必須為正數（1.0 為正常到達率）。",
        "`--volume` 必须为正数（1.0 为正常到达率）。",
    ),
    "error.sample_xes_layout": _m(
        "XES holds one entry per event: use --layout events, or CSV/Parquet for the instance "
        "layout.",
        "XES 每個項目是一個事件：請使用 --layout events，或以 CSV/Parquet 產生每列一次活動的格式。",
        "XES 每个条目是一个事件：请使用 --layout events，或用 CSV/Parquet 生成每行一次活动的格式。",
    ),
    "error.scenario_calendar_form": _m(
        '{source}: calendar of {department} is {{days: [Mon, ...], hours: ["09:00", "17:30"]}}',
        '{source}：{department} 的日曆格式為 `{{days: [Mon, ...], hours: ["09:00", "17:30"]}}`',
        '{source}：{department} 的日历格式为 `{{days: [Mon, ...], hours: ["09:00", "17:30"]}}`',
    ),
    "error.scenario_calendar_invalid": _m(
        "{source}: calendar of {department}: {reason}",
        "{source}：{department} 的日曆：{reason}",
        "{source}：{department} 的日历：{reason}",
    ),
    "error.scenario_condition_compare": _m(
        "{source}: condition {text!r} may only compare case attributes (amount <= 600000 and "
        "product == '信用貸')",
        "{source}：條件「{text}」只能比較案件屬性（例如 `amount <= 600000 and product == '信用"
        "貸'`）",
        "{source}：条件“{text}”只能比较案件属性（例如 `amount <= 600000 and product == '信用貸'`）",
    ),
    "error.scenario_condition_unknown_name": _m(
        "{source}: condition {text!r} names {attribute!r}; known case attributes: {known}",
        "{source}：條件「{text}」提到「{attribute}」；現有案件屬性：{known}",
        "{source}：条件“{text}”提到“{attribute}”；现有案件属性：{known}",
    ),
    "error.scenario_condition_unreadable": _m(
        "{source}: cannot read the condition {text!r}",
        "{source}：無法解讀條件「{text}」",
        "{source}：无法解读条件“{text}”",
    ),
    "error.scenario_file_missing": _m(
        "scenario file {path} does not exist",
        "情境檔 {path} 不存在",
        "情景文件 {path} 不存在",
    ),
    "error.scenario_file_unreadable": _m(
        "{path} is not a readable YAML scenario: {reason}",
        "{path} 不是可讀的 YAML 情境檔：{reason}",
        "{path} 不是可读的 YAML 情景文件：{reason}",
    ),
    "error.scenario_no_such_path": _m(
        "{source}: the log never goes from {after} to {to}",
        "{source}：日誌中從未由 {after} 轉到 {to}",
        "{source}：日志中从未由 {after} 转到 {to}",
    ),
    "error.scenario_not_mapping": _m(
        "{source} must be a mapping with name: and changes: (see docs/whatif.md)",
        "{source}必須是含 `name:` 與 `changes:` 的對應（見 docs/whatif.md）",
        "{source}必须是含 `name:` 与 `changes:` 的映射（见 docs/whatif.md）",
    ),
    "error.scenario_not_positive": _m(
        "{source}: {what} must be a positive number, not {value!r}",
        "{source}：{what} 必須是正數，不能是「{value}」",
        "{source}：{what} 必须是正数，不能是“{value}”",
    ),
    "error.scenario_not_yaml": _m(
        "{source} is not readable YAML: {reason}",
        "{source}不是可讀的 YAML：{reason}",
        "{source}不是可读的 YAML：{reason}",
    ),
    "error.scenario_probability_range": _m(
        "{source}: probability {new} after scaling is not in [0, 1]",
        "{source}：縮放後的機率 {new} 不在 [0, 1] 之間",
        "{source}：缩放后的概率 {new} 不在 [0, 1] 之间",
    ),
    "error.scenario_routing_form": _m(
        "{source}: a routing change is {{after: A, to: B, probability: p}} or {{after: A, to: "
        "B, scale: s}}",
        "{source}：路由變更格式為 `{{after: A, to: B, probability: p}}` 或 `{{after: A, to: B,"
        " scale: s}}`",
        "{source}：路由变更格式为 `{{after: A, to: B, probability: p}}` 或 `{{after: A, to: B,"
        " scale: s}}`",
    ),
    "error.scenario_routing_needs": _m(
        "{source}: routing change {rule} needs probability or scale",
        "{source}：路由變更 {rule} 需要 `probability` 或 `scale`",
        "{source}：路由变更 {rule} 需要 `probability` 或 `scale`",
    ),
    "error.scenario_skip_form": _m(
        "{source}: a skip is {{activity: NAME, when: CONDITION}}",
        "{source}：略過的格式為 `{{activity: NAME, when: CONDITION}}`",
        "{source}：跳过的格式为 `{{activity: NAME, when: CONDITION}}`",
    ),
    "error.scenario_staff_below_one": _m(
        "{source}: {department} would have {count} people; at least 1",
        "{source}：{department} 將只有 {count} 人；至少需要 1 人",
        "{source}：{department} 将只有 {count} 人；至少需要 1 人",
    ),
    "error.scenario_staff_value": _m(
        "{source}: staff of {department} is {value!r}; write a head count (20) or a change "
        '("+2", "-1")',
        '{source}：{department} 的人力為「{value}」；請填人數（20）或增減（"+2"、"-1"）',
        '{source}：{department} 的人力为“{value}”；请填人数（20）或增减（"+2"、"-1"）',
    ),
    "error.scenario_unknown_activity": _m(
        "{source}: unknown activity {name!r}; known activities: {listed}",
        "{source}：未知的活動「{name}」；現有活動：{listed}",
        "{source}：未知的活动“{name}”；现有活动：{listed}",
    ),
    "error.scenario_unknown_change": _m(
        "{source}: unknown change {unknown}; known: {known}",
        "{source}：未知的變更 {unknown}；可用：{known}",
        "{source}：未知的变更 {unknown}；可用：{known}",
    ),
    "error.scenario_unknown_department": _m(
        "{source}: unknown department {name!r}; known departments: {listed}",
        "{source}：未知的部門「{name}」；現有部門：{listed}",
        "{source}：未知的部门“{name}”；现有部门：{listed}",
    ),
    "error.session_key_create": _m(
        "Cannot create the session key file {target}: {reason}. Set LOANFLOW_SECRET_KEY_FILE "
        "or LOANFLOW_CACHE_DIR to a writable place.",
        "無法建立工作階段金鑰檔 {target}：{reason}。請將 LOANFLOW_SECRET_KEY_FILE 或 LOANFLOW_"
        "CACHE_DIR 設為可寫入的位置。",
        "无法创建会话密钥文件 {target}：{reason}。请将 LOANFLOW_SECRET_KEY_FILE 或 LOANFLOW_CA"
        "CHE_DIR 设为可写入的位置。",
    ),
    "error.session_key_short": _m(
        "The session key file {target} holds too short a key; delete it and LoanFlow makes a "
        "new one (everyone then signs in again).",
        "工作階段金鑰檔 {target} 的金鑰太短；刪除它，LoanFlow 會建立新的（所有人需重新登入）。",
        "会话密钥文件 {target} 的密钥太短；删除它，LoanFlow 会创建新的（所有人需重新登录）。",
    ),
    "error.session_key_unreadable": _m(
        "Cannot read the session key file {target}: {reason}.",
        "無法讀取工作階段金鑰檔 {target}：{reason}。",
        "无法读取会话密钥文件 {target}：{reason}。",
    ),
    "error.side_after": _m(
        "after",
        "改造後",
        "改造后",
    ),
    "error.side_before": _m(
        "before",
        "改造前",
        "改造前",
    ),
    "error.side_started_before": _m(
        "started before {day}",
        "{day} 之前開始",
        "{day} 之前开始",
    ),
    "error.side_started_from": _m(
        "started on or after {day}",
        "{day} 當天或之後開始",
        "{day} 当天或之后开始",
    ),
    "error.sign_in_no_users": _m(
        "Sign-in is on but the store has no users yet, so nobody could sign in. Create one "
        "with `loanflow users add NAME --role admin`, then start the dashboard again (or use "
        "--no-auth for a local demo on 127.0.0.1).",
        "已啟用登入，但儲存庫中還沒有使用者，沒有人能登入。請以 `loanflow users add NAME --rol"
        "e admin` 建立一位，再重新啟動儀表板（或在 127.0.0.1 上以 --no-auth 執行本機示範）。",
        "已启用登录，但存储库中还没有用户，没有人能登录。请用 `loanflow users add NAME --role "
        "admin` 创建一位，再重新启动仪表板（或在 127.0.0.1 上用 --no-auth 运行本机演示）。",
    ),
    "error.sign_in_unavailable": _m(
        "Sign-in is not available in this installation; start the dashboard with --no-auth to "
        "run it without accounts.",
        "此安裝不支援登入；請以 --no-auth 啟動儀表板，以不使用帳號的方式執行。",
        "此安装不支持登录；请用 --no-auth 启动仪表板，以不使用账号的方式运行。",
    ),
    "error.simulated_log_write_failed": _m(
        "cannot write the simulated log to {path}: {reason}",
        "無法將模擬日誌寫入 {path}：{reason}",
        "无法将模拟日志写入 {path}：{reason}",
    ),
    "error.source_profile": _m(
        "profile",
        "設定檔",
        "配置文件",
    ),
    "error.source_profile_file": _m(
        "Profile {target}",
        "設定檔 {target} ",
        "配置文件 {target} ",
    ),
    "error.source_profile_mapping": _m(
        "The profile from the mapping step",
        "對應步驟產生的設定檔",
        "映射步骤生成的配置文件",
    ),
    "error.source_profile_stored": _m(
        "stored profile",
        "已儲存的設定檔",
        "已保存的配置文件",
    ),
    "error.source_scenario": _m(
        "the scenario",
        "情境",
        "情景",
    ),
    "error.spark_conf": _m(
        "LOANFLOW_SPARK_CONF holds {part!r}, which is not a spark.KEY=VALUE setting: separate "
        "the settings with semicolons.",
        "LOANFLOW_SPARK_CONF 中的「{part}」不是 spark.KEY=VALUE 形式的設定：請以分號分隔各項設定。",
        "LOANFLOW_SPARK_CONF 中的“{part}”不是 spark.KEY=VALUE 形式的设置：请用分号分隔各项设置。",
    ),
    "error.spark_no_java": _m(
        "The spark engine needs Java 17 or later, and none was found on the PATH. Install it "
        "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
        "Spark 引擎需要 Java 17 以上版本，但在 PATH 中找不到。請安裝（Debian：`apt-get install"
        " openjdk-17-jre-headless`）或設定 JAVA_HOME。",
        "Spark 引擎需要 Java 17 以上版本，但在 PATH 中找不到。请安装（Debian：`apt-get install"
        " openjdk-17-jre-headless`）或设置 JAVA_HOME。",
    ),
    "error.spark_no_java_home": _m(
        "The spark engine needs Java 17 or later, and none was found in JAVA_HOME ({home}). "
        "Install it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
        "Spark 引擎需要 Java 17 以上版本，但在 JAVA_HOME（{home}）中找不到。請安裝（Debian：`a"
        "pt-get install openjdk-17-jre-headless`）或設定 JAVA_HOME。",
        "Spark 引擎需要 Java 17 以上版本，但在 JAVA_HOME（{home}）中找不到。请安装（Debian：`a"
        "pt-get install openjdk-17-jre-headless`）或设置 JAVA_HOME。",
    ),
    "error.spark_no_pyspark": _m(
        "The spark engine needs PySpark 4: pip install 'loanflow[spark]' (or pip install "
        "'pyspark>=4,<5').",
        "Spark 引擎需要 PySpark 4：`pip install 'loanflow[spark]'`（或 `pip install 'pyspark>="
        "4,<5'`）。",
        "Spark 引擎需要 PySpark 4：`pip install 'loanflow[spark]'`（或 `pip install 'pyspark>="
        "4,<5'`）。",
    ),
    "error.spark_partitions": _m(
        "LOANFLOW_SPARK_SHUFFLE_PARTITIONS must be a whole number or auto, not {value!r}.",
        "LOANFLOW_SPARK_SHUFFLE_PARTITIONS 須為整數或 auto，不能是「{value}」。",
        "LOANFLOW_SPARK_SHUFFLE_PARTITIONS 须为整数或 auto，不能是“{value}”。",
    ),
    "error.spark_start_failed": _m(
        "Spark could not start with master {master!r}: {reason}",
        "Spark 無法以 master「{master}」啟動：{reason}",
        "Spark 无法以 master“{master}”启动：{reason}",
    ),
    "error.split_period_basis": _m(
        "A split at a go-live date selects cases by the day they started; drop --period-basis "
        "ended, or compare two filtered selections instead.",
        "依上線日期切分時，以案件開始的日期選取案件；請改用開始日期，或比較兩組篩選後的案件。",
        "按上线日期切分时，以案件开始的日期选取案件；请改用开始日期，或比较两组筛选后的案件。",
    ),
    "error.store_busy": _m(
        "Cannot open the store {target}: another LoanFlow process has held it for {seconds:g} "
        "s (a load or a long command from the command line, or a load on the dashboard's Data "
        "page). Wait for it to finish and try again, or raise LOANFLOW_LOCK_WAIT_SECONDS.",
        "無法開啟儲存庫 {target}：另一個 LoanFlow 程序已占用它 {seconds:g} 秒（命令列的載入或長"
        "時間指令，或「資料」頁上的載入）。請待其完成後再試，或提高 LOANFLOW_LOCK_WAIT_SECONDS"
        "。",
        "无法打开存储库 {target}：另一个 LoanFlow 进程已占用它 {seconds:g} 秒（命令行的载入或长"
        "时间命令，或“数据”页上的载入）。请待其完成后再试，或提高 LOANFLOW_LOCK_WAIT_SECONDS。",
    ),
    "error.store_folder_missing": _m(
        "The folder {folder} for the store does not exist; create it or choose another --db path.",
        "儲存庫所在的資料夾 {folder} 不存在；請建立它或以 --db 指定其他路徑。",
        "存储库所在的文件夹 {folder} 不存在；请创建它或用 --db 指定其他路径。",
    ),
    "error.store_missing": _m(
        "No LoanFlow store at {target}. Load a log first with `loanflow ingest FILE --dataset "
        "NAME`, or point --db / LOANFLOW_DB at your store.",
        "{target} 沒有 LoanFlow 儲存庫。請先以 `loanflow ingest FILE --dataset NAME` 載入日誌，"
        "或以 --db / LOANFLOW_DB 指向您的儲存庫。",
        "{target} 没有 LoanFlow 存储库。请先用 `loanflow ingest FILE --dataset NAME` 载入日志，"
        "或用 --db / LOANFLOW_DB 指向您的存储库。",
    ),
    "error.store_missing_compare": _m(
        "No LoanFlow store at {path}. Load the logs first with `loanflow ingest FILE "
        "--dataset NAME`, or point --db / LOANFLOW_DB at your store.",
        "{path} 沒有 LoanFlow 儲存庫。請先以 `loanflow ingest FILE --dataset NAME` 載入日誌，或"
        "以 --db / LOANFLOW_DB 指向您的儲存庫。",
        "{path} 没有 LoanFlow 存储库。请先用 `loanflow ingest FILE --dataset NAME` 载入日志，或"
        "用 --db / LOANFLOW_DB 指向您的存储库。",
    ),
    "error.store_unopenable": _m(
        "Cannot open the store {target}: {reason}. Check that it is a LoanFlow store you may "
        "read and write.",
        "無法開啟儲存庫 {target}：{reason}。請確認它是您可讀寫的 LoanFlow 儲存庫。",
        "无法打开存储库 {target}：{reason}。请确认它是您可读写的 LoanFlow 存储库。",
    ),
    "error.store_upgrade_failed": _m(
        "Could not upgrade the store to schema step {version:03d} ({step}): {reason}. The "
        "store is unchanged; report this with the step.",
        "無法將儲存庫升級到結構步驟 {version:03d}（{step}）：{reason}。儲存庫未變更；請連同步驟"
        "回報此問題。",
        "无法将存储库升级到结构步骤 {version:03d}（{step}）：{reason}。存储库未更改；请连同步骤"
        "报告此问题。",
    ),
    "error.store_write_failed": _m(
        "Could not write to the store: {reason}. Nothing was loaded and the store is as it "
        "was. Free disk space or fix the folder's permissions, then load again.",
        "無法寫入儲存庫：{reason}。沒有載入任何資料，儲存庫維持原狀。請釋出磁碟空間或修正資料夾"
        "權限後再載入。",
        "无法写入存储库：{reason}。没有载入任何数据，存储库保持原状。请释放磁盘空间或修正文件夹"
        "权限后再载入。",
    ),
    "error.timestamp_unreadable": _m(
        "The column {column!r} holds no value LoanFlow can read as a time (for example "
        "{examples}). Set `timestamp_format:` in the profile (a strftime pattern such as "
        "'%Y/%m/%d %H:%M'), or map another column as the timestamp.",
        "欄位「{column}」中沒有 LoanFlow 能讀成時間的值（例如 {examples}）。請在設定檔中設定 `"
        "timestamp_format:`（strftime 格式，例如 '%Y/%m/%d %H:%M'），或改以其他欄位作為時間。",
        "列“{column}”中没有 LoanFlow 能读成时间的值（例如 {examples}）。请在配置文件中设置 `ti"
        "mestamp_format:`（strftime 格式，例如 '%Y/%m/%d %H:%M'），或改用其他列作为时间。",
    ),
    "error.too_many_columns": _m(
        "{name} has a header of {columns:,} columns, more than the {limit:,} LoanFlow reads "
        "(setting LOANFLOW_MAX_COLUMNS). Check the delimiter, or export only the columns the "
        "analysis needs.",
        "{name} 的標題列有 {columns:,} 個欄位，超過 LoanFlow 讀取的上限 {limit:,}（設定 LOANFL"
        "OW_MAX_COLUMNS）。請檢查分隔符號，或只匯出分析需要的欄位。",
        "{name} 的标题行有 {columns:,} 列，超过 LoanFlow 读取的上限 {limit:,}（设置 LOANFLOW_M"
        "AX_COLUMNS）。请检查分隔符，或只导出分析需要的列。",
    ),
    "error.too_many_columns_at_least": _m(
        "{name} has a header of {columns:,} or more columns, more than the {limit:,} LoanFlow "
        "reads (setting LOANFLOW_MAX_COLUMNS). Check the delimiter, or export only the "
        "columns the analysis needs.",
        "{name} 的標題列至少有 {columns:,} 個欄位，超過 LoanFlow 讀取的上限 {limit:,}（設定 LO"
        "ANFLOW_MAX_COLUMNS）。請檢查分隔符號，或只匯出分析需要的欄位。",
        "{name} 的标题行至少有 {columns:,} 列，超过 LoanFlow 读取的上限 {limit:,}（设置 LOANFL"
        "OW_MAX_COLUMNS）。请检查分隔符，或只导出分析需要的列。",
    ),
    "error.too_many_events": _m(
        "{name} has more than {limit:,} events, the limit set by LOANFLOW_MAX_ROWS. Raise the "
        "limit or split the log.",
        "{name} 超過 {limit:,} 個事件，即 LOANFLOW_MAX_ROWS 設定的上限。請提高上限或分割日誌。",
        "{name} 超过 {limit:,} 个事件，即 LOANFLOW_MAX_ROWS 设置的上限。请提高上限或拆分日志。",
    ),
    "error.too_many_rows": _m(
        "{name} has more than {limit:,} rows, the limit set by LOANFLOW_MAX_ROWS. Raise the "
        "limit or split the file.",
        "{name} 超過 {limit:,} 列，即 LOANFLOW_MAX_ROWS 設定的上限。請提高上限或分割檔案。",
        "{name} 超过 {limit:,} 行，即 LOANFLOW_MAX_ROWS 设置的上限。请提高上限或拆分文件。",
    ),
    "error.too_many_rows_workbook": _m(
        "{name} has more than {limit:,} rows, the limit set by LOANFLOW_MAX_ROWS. Raise the "
        "limit or split the workbook.",
        "{name} 超過 {limit:,} 列，即 LOANFLOW_MAX_ROWS 設定的上限。請提高上限或分割活頁簿。",
        "{name} 超过 {limit:,} 行，即 LOANFLOW_MAX_ROWS 设置的上限。请提高上限或拆分工作簿。",
    ),
    "error.unknown_dataset": _m(
        "No dataset named {name!r} in the store. Datasets: {known}. Load one with `loanflow "
        "ingest FILE --dataset NAME`.",
        "儲存庫中沒有名為「{name}」的資料集。現有資料集：{known}。請先在「資料」頁上傳並載入一"
        "份日誌。",
        "存储库中没有名为“{name}”的数据集。现有数据集：{known}。请先在“数据”页上传并载入一份日志。",
    ),
    "error.unknown_dataset_drop": _m(
        "No dataset named {name!r} in the store. Datasets: {known}.",
        "儲存庫中沒有名為「{name}」的資料集。現有資料集：{known}。",
        "存储库中没有名为“{name}”的数据集。现有数据集：{known}。",
    ),
    "error.unknown_format": _m(
        "Unknown file format: {file}. LoanFlow reads CSV/TSV (.csv, .tsv, .txt), Excel "
        "(.xlsx), Parquet (.parquet) and XES (.xes), also compressed (.gz, .zip).",
        "無法辨識的檔案格式：{file}。LoanFlow 可讀取 CSV/TSV（.csv、.tsv、.txt）、Excel（.xlsx"
        "）、Parquet（.parquet）與 XES（.xes），亦可為壓縮檔（.gz、.zip）。",
        "无法识别的文件格式：{file}。LoanFlow 可读取 CSV/TSV（.csv、.tsv、.txt）、Excel（.xlsx"
        "）、Parquet（.parquet）与 XES（.xes），也可以是压缩文件（.gz、.zip）。",
    ),
    "error.upload_empty": _m(
        "{filename!r} is empty; choose a file with data in it.",
        "「{filename}」是空檔案；請選擇有資料的檔案。",
        "“{filename}”是空文件；请选择有数据的文件。",
    ),
    "error.upload_gone": _m(
        "The uploaded file is gone; upload it again.",
        "上傳的檔案已不存在；請重新上傳。",
        "上传的文件已不存在；请重新上传。",
    ),
    "error.upload_too_large": _m(
        "The file is larger than the {megabytes} MB upload limit (setting "
        "LOANFLOW_MAX_UPLOAD_MB); load it with `loanflow ingest` or raise the limit.",
        "檔案超過 {megabytes} MB 的上傳上限（設定 LOANFLOW_MAX_UPLOAD_MB）；請改用命令列載入，"
        "或提高上限。",
        "文件超过 {megabytes} MB 的上传上限（设置 LOANFLOW_MAX_UPLOAD_MB）；请改用命令行载入，"
        "或提高上限。",
    ),
    "error.upload_unknown": _m(
        "No such upload; upload the file again.",
        "找不到此上傳；請重新上傳檔案。",
        "找不到此上传；请重新上传文件。",
    ),
    "error.upload_unreadable_type": _m(
        "{name!r} is not a file LoanFlow reads. Upload CSV/TSV, Excel (.xlsx), XES, Parquet, "
        "compressed as .gz or .zip (or a .bpmn model, a .yaml profile).",
        "「{name}」不是 LoanFlow 可讀的檔案。請上傳 CSV/TSV、Excel（.xlsx）、XES、Parquet，可壓"
        "縮為 .gz 或 .zip（或 .bpmn 模型、.yaml 設定檔）。",
        "“{name}”不是 LoanFlow 可读的文件。请上传 CSV/TSV、Excel（.xlsx）、XES、Parquet，可压缩"
        "为 .gz 或 .zip（或 .bpmn 模型、.yaml 配置文件）。",
    ),
    "error.user_exists": _m(
        "A user named {username!r} already exists; change the password with `loanflow users "
        "passwd {username}`.",
        "名為「{username}」的使用者已存在；請改為變更其密碼。",
        "名为“{username}”的用户已存在；请改为更改其密码。",
    ),
    "error.user_name_invalid": _m(
        "{username!r} is not a valid user name: use 1 to 64 letters, digits, '.', '_', '-' or "
        "'@', without spaces.",
        "「{username}」不是有效的使用者名稱：請使用 1 到 64 個字母、數字、'.'、'_'、'-' 或 '@'"
        "，不可含空白。",
        "“{username}”不是有效的用户名：请使用 1 到 64 个字母、数字、'.'、'_'、'-' 或 '@'，不可"
        "含空格。",
    ),
    "error.user_unknown": _m(
        "No user named {username!r}; `loanflow users list` shows them.",
        "沒有名為「{username}」的使用者。",
        "没有名为“{username}”的用户。",
    ),
    "error.whatif_export_failed": _m(
        "cannot write the exported model: {reason}",
        "無法寫入匯出的模型：{reason}",
        "无法写入导出的模型：{reason}",
    ),
    "error.whatif_no_activity_matches": _m(
        "no activity of {dataset} matches {activities!r}; known: {known}",
        "{dataset} 中沒有符合「{activities}」的活動；現有活動：{known}",
        "{dataset} 中没有符合“{activities}”的活动；现有活动：{known}",
    ),
    "error.whatif_no_case_before": _m(
        "no case started before {day}",
        "{day} 之前沒有開始的案件",
        "{day} 之前没有开始的案件",
    ),
    "error.whatif_no_instances": _m(
        "{dataset} has no activity instances in the selected cases",
        "{dataset} 在所選案件中沒有任何活動。",
        "{dataset} 在所选案件中没有任何活动。",
    ),
    "error.whatif_runs": _m(
        "--runs must be at least 1",
        "模擬次數至少須為 1",
        "模拟次数至少须为 1",
    ),
    "error.whatif_worker_stopped": _m(
        "A simulation worker process stopped unexpectedly (killed, or out of memory?). Try "
        "fewer cases or replications, or run it again.",
        "模擬工作程序意外中止（被終止，或記憶體不足？）。請減少案件數或模擬次數，或再執行一次。",
        "模拟工作进程意外中止（被终止，或内存不足？）。请减少案件数或模拟次数，或再运行一次。",
    ),
    "error.xes_cut_short": _m(
        "{file} is cut short: the XES document does not end with </log>. The file is "
        "incomplete; export or copy it again.",
        "{file} 不完整：XES 文件沒有以 </log> 結尾。請重新匯出或複製。",
        "{file} 不完整：XES 文档没有以 </log> 结尾。请重新导出或复制。",
    ),
    "error.xes_doctype": _m(
        "{file} declares a DOCTYPE or ENTITY. LoanFlow refuses XML with declarations (they "
        "can read local files or expand without bound). Export the log again without a "
        "DOCTYPE.",
        "{file} 宣告了 DOCTYPE 或 ENTITY。LoanFlow 拒絕含宣告的 XML（它們可能讀取本機檔案或無限"
        "展開）。請重新匯出不含 DOCTYPE 的日誌。",
        "{file} 声明了 DOCTYPE 或 ENTITY。LoanFlow 拒绝含声明的 XML（它们可能读取本机文件或无限"
        "展开）。请重新导出不含 DOCTYPE 的日志。",
    ),
    "error.xes_empty": _m(
        "{file} is empty. Export the log again.",
        "{file} 是空的。請重新匯出日誌。",
        "{file} 是空的。请重新导出日志。",
    ),
    "error.xes_malformed": _m(
        "{file} is not well-formed XES: {reason}. Check that the file is complete and was "
        "exported as XES.",
        "{file} 不是格式正確的 XES：{reason}。請確認檔案完整且以 XES 格式匯出。",
        "{file} 不是格式正确的 XES：{reason}。请确认文件完整且以 XES 格式导出。",
    ),
    "error.xes_no_events": _m(
        "{file} holds no events (no <event> elements with attributes). Export the log again.",
        "{file} 沒有任何事件（沒有帶屬性的 <event> 元素）。請重新匯出日誌。",
        "{file} 没有任何事件（没有带属性的 <event> 元素）。请重新导出日志。",
    ),
    "error.xes_no_log": _m(
        "{file} is not an XES log: no <log> element at its start. Check that it is an XES "
        "export (IEEE 1849).",
        "{file} 不是 XES 日誌：開頭沒有 <log> 元素。請確認它是 XES 匯出檔（IEEE 1849）。",
        "{file} 不是 XES 日志：开头没有 <log> 元素。请确认它是 XES 导出文件（IEEE 1849）。",
    ),
    "error.xes_temp_failed": _m(
        "{file} could not be decompressed into a temporary file ({reason}). Free space in the "
        "temporary folder (TMPDIR) and load again.",
        "無法將 {file} 解壓縮到暫存檔（{reason}）。請釋出暫存資料夾（TMPDIR）的空間後再載入。",
        "无法将 {file} 解压到临时文件（{reason}）。请释放临时文件夹（TMPDIR）的空间后再载入。",
    ),
    "error.xls_workbook": _m(
        "{file} is an old Excel .xls workbook, which LoanFlow does not read. Save it as .xlsx "
        "or CSV in Excel and load that.",
        "{file} 是舊版 Excel .xls 活頁簿，LoanFlow 無法讀取。請在 Excel 中另存為 .xlsx 或 CSV "
        "後載入。",
        "{file} 是旧版 Excel .xls 工作簿，LoanFlow 无法读取。请在 Excel 中另存为 .xlsx 或 CSV "
        "后载入。",
    ),
    "error.xlsx_no_rows": _m(
        "{file} has no rows in its first worksheet.",
        "{file} 的第一個工作表沒有資料列。",
        "{file} 的第一个工作表没有数据行。",
    ),
    "error.xlsx_unreadable": _m(
        "{file} is not a readable .xlsx workbook ({reason}).",
        "{file} 不是可讀的 .xlsx 活頁簿（{reason}）。",
        "{file} 不是可读的 .xlsx 工作簿（{reason}）。",
    ),
    "error.zip_member_damaged": _m(
        "{label} is damaged ({reason}). Download or copy it again.",
        "{label} 已損壞（{reason}）。請重新下載或複製。",
        "{label} 已损坏（{reason}）。请重新下载或复制。",
    ),
    "error.zip_member_label": _m(
        "{member} in {archive}",
        "{archive} 中的 {member}",
        "{archive} 中的 {member}",
    ),
    "error.zip_member_truncated": _m(
        "{label} is damaged (truncated). Download or copy it again.",
        "{label} 已損壞（不完整）。請重新下載或複製。",
        "{label} 已损坏（不完整）。请重新下载或复制。",
    ),
    "error.zip_method": _m(
        "{label} is compressed with a method LoanFlow cannot unpack ({reason}). Zip it again "
        "with the usual method (deflate).",
        "{label} 使用 LoanFlow 無法解開的壓縮方式（{reason}）。請以一般方式（deflate）重新壓縮。",
        "{label} 使用 LoanFlow 无法解开的压缩方式（{reason}）。请以常规方式（deflate）重新压缩。",
    ),
    "error.zip_not_xlsx": _m(
        "{file} is a zip archive but not an Excel .xlsx workbook. Save it from Excel again, "
        "or name it .zip if it is an archive of logs.",
        "{file} 是 zip 壓縮檔，但不是 Excel .xlsx 活頁簿。請從 Excel 重新儲存；若它是日誌的壓縮"
        "檔，請將副檔名改為 .zip。",
        "{file} 是 zip 压缩文件，但不是 Excel .xlsx 工作簿。请从 Excel 重新保存；若它是日志的压"
        "缩文件，请将扩展名改为 .zip。",
    ),
    "error.zip_password": _m(
        "{label} is password-protected. Unzip it with its password and load the log.",
        "{label} 受密碼保護。請以密碼解壓縮後載入日誌。",
        "{label} 受密码保护。请用密码解压后载入日志。",
    ),
    "error.zip_unreadable": _m(
        "{file} is not a readable zip archive ({reason}). Download or copy it again.",
        "{file} 不是可讀的 zip 壓縮檔（{reason}）。請重新下載或複製。",
        "{file} 不是可读的 zip 压缩文件（{reason}）。请重新下载或复制。",
    ),
}
