"""Structured JSON logs. Only names, codes, counts and ids are logged: never payloads or passwords."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        # Servers log some refusals of bad client input at INFO with the exception attached; those are
        # handled (e.g. invalid UTF-8 closes the socket with 1007), so only warnings carry a traceback.
        if record.exc_info and record.exc_info[0] is not None and record.levelno >= logging.WARNING:
            entry["error_type"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ClientFaultFilter(logging.Filter):
    """The server's own reports of bad client input it has already refused are warnings, not crashes."""

    FAULTS = ("Invalid UTF-8 sequence received from client", "Invalid HTTP request received")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(self.FAULTS):
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(level: str = "INFO") -> None:
    """Send every log line to stderr as one JSON object."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ClientFaultFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access logs would put query strings in the log; the console's own logs say what matters.
    logging.getLogger("uvicorn.access").disabled = True
