"""Translated user-facing messages, zh-CN first and English second."""

from __future__ import annotations

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")

# code -> (zh_CN, en). Messages never carry confidential values; params are field names and numbers.
MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_frame": ("消息格式错误：{detail}", "Malformed message: {detail}"),
    "invalid_command": ("命令参数有误：{detail}", "Invalid command arguments: {detail}"),
    "unknown_command": ("未知命令：{name}", "Unknown command: {name}"),
    "unauthenticated": ("请先登录", "Please log in first"),
    "session_expired": ("登录已过期，请重新登录", "Your session has expired; please log in again"),
    "forbidden": ("您无权执行此操作", "You are not allowed to do this"),
    "csrf_failed": ("页面已过期，请刷新后重试", "The page has expired; reload it and try again"),
    "not_found": ("未找到该记录", "Not found"),
    "incident_not_found": ("未找到该事件", "Incident not found"),
    "incident_closed": ("该事件已结案，不能再修改", "This incident is closed and can no longer be changed"),
    "nothing_to_amend": ("没有需要更正的内容", "Nothing to amend"),
    "command_id_conflict": (
        "命令编号已被其他用户使用",
        "This command id was already used by another user",
    ),
    "occurred_in_future": ("发生时间不能晚于现在", "The time it happened cannot be in the future"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "login_throttled": (
        "登录失败次数过多，请 {seconds} 秒后再试",
        "Too many failed logins; try again in {seconds} seconds",
    ),
    "hello_expected": ("连接后应先发送 hello 消息", "The first message must be hello"),
    "internal": ("服务器暂时无法处理，请稍后重试", "The server could not handle this; please try again"),
    "rate_limited": ("请求过于频繁", "Too many requests"),
}


def normalise_locale(locale: str | None) -> str:
    """Map a requested locale (e.g. 'en-US', 'zh') to one the console has."""
    if not locale:
        return DEFAULT_LOCALE
    low = locale.replace("-", "_").lower()
    if low.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def translate(code: str, locale: str | None = None, **params: object) -> str:
    """The message for an error code in the given locale."""
    zh, en = MESSAGES.get(code, MESSAGES["internal"])
    text = en if normalise_locale(locale) == "en" else zh
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
