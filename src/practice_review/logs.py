"""The service's log lines on standard error: one JSON object per line (or plain text), with a timestamp,
the level, and the id of the request being answered (README "Operating it": logs).

Every line logged while a request is answered carries its request id (a context variable the request log
sets); an unhandled error is logged once, with its traceback in that one line.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from .config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        record.__dict__.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        return True


def logging_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig for the service's loggers and uvicorn's (uvicorn applies it in every worker)."""
    json_format = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": True,
    }
    text_format = {"format": TEXT_FORMAT}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": settings.log_format,
        "filters": ["request_id"],
    }
    service = {"handlers": ["stderr"], "level": settings.log_level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": json_format, "text": text_format},
        "handlers": {"stderr": handler},
        "loggers": {
            "practice_review": service,
            "uvicorn": service,
            "uvicorn.error": {"level": settings.log_level},
            "uvicorn.access": {"handlers": [], "propagate": False},  # the request log writes one line per request
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def configure(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
