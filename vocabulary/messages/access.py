"""Sign-in page (``signin.*``) and Admin page (``admin.*``) words."""

from __future__ import annotations

from vocabulary.messages import _m

ACCESS: dict[str, dict[str, str]] = {
    "signin.title": _m("Sign in to LoanFlow", "登入 LoanFlow", "登录 LoanFlow"),
    "signin.user": _m("User name", "用戶名", "用户名"),
    "signin.password": _m("Password", "密碼", "密码"),
    "signin.submit": _m("Sign in", "登入", "登录"),
    "signin.failed": _m("Wrong user name or password.", "用戶名或密碼錯誤。", "用户名或密码错误。"),
    "signin.blocked": _m(
        "Too many failed sign-ins. Wait a few minutes, then try again.",
        "登入失敗次數過多，請稍候幾分鐘再試。",
        "登录失败次数过多，请稍候几分钟再试。",
    ),
    "signin.expired": _m(
        "The form expired. Please sign in again.",
        "表單已過期，請重新登入。",
        "表单已过期，请重新登录。",
    ),
    "signin.out": _m("You are signed out.", "您已登出。", "您已退出登录。"),
    "admin.title": _m("Administration", "系統管理", "系统管理"),
    "admin.users": _m("Users", "用戶", "用户"),
    "admin.audit": _m("Audit log", "稽核日誌", "审计日志"),
    "admin.period": _m("Period", "期間", "期间"),
    "admin.refresh": _m("Refresh", "重新整理", "刷新"),
    "admin.denied": _m("This page is for admins only.", "此頁僅限管理員。", "此页仅限管理员。"),
    "admin.manage": _m(
        "Users are added, removed and changed on the server, with the command",
        "用戶的新增、刪除與修改在伺服器上以下列指令進行：",
        "用户的添加、删除与修改在服务器上用以下命令进行：",
    ),
    "admin.username": _m("User", "用戶", "用户"),
    "admin.role": _m("Role", "角色", "角色"),
    "admin.created_at": _m("Created (UTC)", "建立於 (UTC)", "创建于 (UTC)"),
    "admin.password_set_at": _m("Password set (UTC)", "密碼設定於 (UTC)", "密码设置于 (UTC)"),
    "admin.disabled": _m("Disabled", "已停用", "已停用"),
    "admin.ts": _m("Time (UTC)", "時間 (UTC)", "时间 (UTC)"),
    "admin.action": _m("Action", "操作", "操作"),
    "admin.target": _m("Target", "對象", "对象"),
    "admin.detail": _m("Detail", "詳情", "详情"),
    "admin.remote_addr": _m("Address", "位址", "地址"),
    "admin.day": _m("Last 24 hours", "最近 24 小時", "最近 24 小时"),
    "admin.week": _m("Last 7 days", "最近 7 天", "最近 7 天"),
    "admin.month": _m("Last 30 days", "最近 30 天", "最近 30 天"),
    "admin.all": _m("All", "全部", "全部"),
    "admin.all_actions": _m("All actions", "全部操作", "全部操作"),
    "admin.any_user": _m("Any user", "任何用戶", "任何用户"),
    "admin.repeats": _m("Times", "次數", "次数"),
    "admin.last_ts": _m("Last (UTC)", "最後一次 (UTC)", "最后一次 (UTC)"),
}
