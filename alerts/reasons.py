"""What a failed attempt's reason means, in words the duty officer reads (pure).

apprise explains a failure in English log lines written for developers ("A Connection error occurred
sending JSON notification to …", "Failed to send JSON POST notification: error=403."). The delivery log
keeps that line verbatim, for whoever sets up the bots, and leads with what it means and what to check,
in the reader's language. Unrecognised reasons say only that sending failed; the line itself follows.
"""

from __future__ import annotations

import re

from responders.text import Text

_HTTP = re.compile(r"error=(\d{3})\b")

# (pattern in apprise's or the console's own words, what it means), tried in order
_KNOWN: tuple[tuple[re.Pattern[str], Text], ...] = (
    (
        re.compile(r"sending process stopped", re.I),
        Text("发送进程中断，将自动重试", "the sending process stopped; it is tried again"),
    ),
    (
        re.compile(r"cannot use this URL", re.I),
        Text("渠道地址无法使用，请检查设置", "the channel's address cannot be used; check its settings"),
    ),
    (re.compile(r"timed? ?out", re.I), Text("连接超时", "the connection timed out")),
    (
        re.compile(r"ssl|certificate|tls", re.I),
        Text("加密连接失败（证书问题）", "the secure connection failed (certificate)"),
    ),
    (
        re.compile(r"authenticat|login|credential|password", re.I),
        Text("登录失败，请检查账号和密码", "sign-in failed; check the account and password"),
    ),
    (
        re.compile(r"connection|connect|refused|unreachable|resolve|name or service", re.I),
        Text("无法连接对方服务", "could not connect to the service"),
    ),
)


def _http(code: int) -> Text:
    if code in (401, 403):
        return Text(
            f"对方拒绝：密钥或权限有误（HTTP {code}）", f"refused: wrong key or no permission (HTTP {code})"
        )
    if code == 404:
        return Text(
            "对方地址不存在（HTTP 404），请检查渠道地址", "no such address (HTTP 404); check the channel"
        )
    if code == 429:
        return Text(
            "发送过于频繁，对方限流（HTTP 429）", "too many messages; the service is limiting (HTTP 429)"
        )
    if code >= 500:
        return Text(f"对方服务出错（HTTP {code}）", f"the service failed (HTTP {code})")
    return Text(f"对方拒收（HTTP {code}）", f"the service refused the message (HTTP {code})")


def explain(reason: str | None) -> Text:
    """What a failed attempt's recorded reason means."""
    text = reason or ""
    found = _HTTP.search(text)
    if found is not None:
        return _http(int(found.group(1)))
    for pattern, meaning in _KNOWN:
        if pattern.search(text):
            return meaning
    return Text("发送失败", "sending failed")
