"""One Ctrl-C stops the suite, even when the code under test catches it.

sheetnet's commands turn Ctrl-C into "interrupted" and exit 130, as a command should, and click's
test runner turns that exit into a result: a test that was running when Ctrl-C came would fail and
the suite go on. This plugin notes every SIGINT that reaches a test process, and stops the session
once the test that was running has ended, whatever became of the KeyboardInterrupt. Under
pytest-xdist each worker stops its own session, and xdist stops the rest.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import pytest

_interrupted = threading.Event()


def _note_and_interrupt(number: int, frame: FrameType | None) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def pytest_sessionstart(session: pytest.Session) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _note_and_interrupt)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    result = yield
    if _interrupted.is_set():
        item.session.shouldstop = "interrupted by Ctrl-C"
    return result
