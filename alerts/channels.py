"""A person's channels: what kind each apprise URL is, and how it is shown without its secret.

A channel URL holds the secret (a bot key, a password): outside the console's own tables it is only
ever named by its kind and a fingerprint (`masked`), and texts that may quote it are `scrub`bed.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

# The console's own channel: the person's open pages and the phone page (站内提醒).
IN_APP = "console://"


class ChannelKind(StrEnum):
    """What a channel is, as shown beside its masked URL."""

    IN_APP = "in_app"  # 指挥台站内提醒
    DINGTALK = "dingtalk"  # 钉钉
    WECOM = "wecom"  # 企业微信
    FEISHU = "feishu"  # 飞书
    EMAIL = "email"  # 邮件
    WEBHOOK = "webhook"  # 短信/语音网关或通用 webhook
    OTHER = "other"


_KINDS = {
    "dingtalk": ChannelKind.DINGTALK,
    "wecombot": ChannelKind.WECOM,
    "wxteams": ChannelKind.WECOM,
    "wechat": ChannelKind.WECOM,
    "feishu": ChannelKind.FEISHU,
    "lark": ChannelKind.FEISHU,
    "mailto": ChannelKind.EMAIL,
    "mailtos": ChannelKind.EMAIL,
    "json": ChannelKind.WEBHOOK,
    "jsons": ChannelKind.WEBHOOK,
    "form": ChannelKind.WEBHOOK,
    "forms": ChannelKind.WEBHOOK,
    "xml": ChannelKind.WEBHOOK,
    "xmls": ChannelKind.WEBHOOK,
}

KIND_LABELS: dict[ChannelKind, tuple[str, str]] = {
    ChannelKind.IN_APP: ("指挥台站内提醒", "In-app"),
    ChannelKind.DINGTALK: ("钉钉", "DingTalk"),
    ChannelKind.WECOM: ("企业微信", "WeCom"),
    ChannelKind.FEISHU: ("飞书", "Feishu / Lark"),
    ChannelKind.EMAIL: ("邮件", "Email"),
    ChannelKind.WEBHOOK: ("短信/语音网关 / Webhook", "SMS/voice gateway / webhook"),
    ChannelKind.OTHER: ("其他", "Other"),
}


def scheme_of(url: str) -> str:
    """The URL's scheme in lower case ('' when it has none)."""
    head, sep, _ = url.partition("://")
    return head.strip().lower() if sep else ""


def kind_of(url: str) -> ChannelKind:
    """The kind of channel a URL names."""
    if url == IN_APP:
        return ChannelKind.IN_APP
    return _KINDS.get(scheme_of(url), ChannelKind.OTHER)


def fingerprint(url: str) -> str:
    """A short stable name of one URL that reveals nothing of it (to tell two channels apart)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]


def masked(url: str) -> str:
    """The URL as anyone but an admin sees it: its scheme and fingerprint, never its secret part."""
    if url == IN_APP:
        return IN_APP
    return f"{scheme_of(url) or '?'}://•••#{fingerprint(url)}"


_PIECES = re.compile(r"[A-Za-z0-9_\-~%+=.]{4,}")


def scrub(text: str, url: str) -> str:
    """`text` with every piece of the URL longer than three characters (keys, users, paths) blotted out."""
    rest = url.partition("://")[2]
    for piece in sorted(set(_PIECES.findall(rest)), key=len, reverse=True):
        text = text.replace(piece, "•••")
    return text
