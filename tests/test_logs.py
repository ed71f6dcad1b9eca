"""The service's structured logs: no line grows with what a client sent."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from grader.service import logs


def test_long_values_are_cut_and_say_how_long_they_were() -> None:
    """A 25 MB string becomes a few KB, ending with its real length."""
    line = logs.cap_values(None, "info", {"event": "delivery", "action": "a" * 25_000_000})
    assert len(line["action"]) < logs.MAX_VALUE + 40
    assert line["action"].endswith("... (25,000,000 characters)")
    assert logs.cap_values(None, "info", {"event": "short", "n": 3}) == {"event": "short", "n": 3}


def test_configured_lines_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the configured renderer, standard-logging records are capped too."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    logs.configure("info", json=True)
    out = io.StringIO()
    root.handlers[0].setStream(out)  # type: ignore[attr-defined]
    logging.getLogger("uvicorn.error").info("x" * 100_000)
    structlog.reset_defaults()
    rendered = json.loads(out.getvalue().splitlines()[-1])
    assert len(rendered["event"]) < logs.MAX_VALUE + 40
