"""A failed attempt's reason is apprise's English line; the delivery log leads with what it means. Each
failure here is real: apprise sending to a port nobody listens on, to an HTTP receiver answering an error
status, and to a URL it cannot use."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from support import free_port

from alerts.adapter import send
from alerts.message import Message
from alerts.reasons import explain

MESSAGE = Message(title="测试", body="测试消息")


@pytest.fixture(scope="module")
def answering() -> Iterator[int]:
    """A local HTTP receiver that answers each POST with the status its path names (/403 → 403)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(int(self.path.strip("/")))
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


# what each status means: (zh, en)
MEANINGS = {
    "403": ("对方拒绝：密钥或权限有误（HTTP 403）", "refused: wrong key or no permission (HTTP 403)"),
    "404": ("对方地址不存在（HTTP 404），请检查渠道地址", "no such address (HTTP 404); check the channel"),
    "429": ("发送过于频繁，对方限流（HTTP 429）", "too many messages; the service is limiting (HTTP 429)"),
    "500": ("对方服务出错（HTTP 500）", "the service failed (HTTP 500)"),
    "418": ("对方拒收（HTTP 418）", "the service refused the message (HTTP 418)"),
}


@pytest.mark.parametrize("path", sorted(MEANINGS))
def test_an_error_status_is_explained_with_its_code(answering: int, path: str) -> None:
    delivery = send(f"json://127.0.0.1:{answering}/{path}", MESSAGE)
    assert not delivery.ok and f"error={path}" in delivery.reason
    meaning = explain(delivery.reason)
    assert (meaning.zh, meaning.en) == MEANINGS[path]


def test_a_refused_connection_and_an_unusable_url_are_explained() -> None:
    refused = send(f"json://127.0.0.1:{free_port()}/", MESSAGE)
    assert not refused.ok
    assert explain(refused.reason).zh == "无法连接对方服务"
    unusable = send("mailto://nobody", MESSAGE)
    assert not unusable.ok
    assert explain(unusable.reason).zh == "渠道地址无法使用，请检查设置"


def test_the_consoles_own_and_unknown_reasons() -> None:
    from console.alerts.sending import STOPPED

    assert explain(STOPPED).zh == "发送进程中断，将自动重试"
    assert explain("The read operation timed out").en == "the connection timed out"
    assert explain("something else entirely") == explain(None)
    assert explain(None).zh == "发送失败"
