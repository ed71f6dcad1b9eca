"""PID 1 of a sandbox container: reaps orphans and does nothing else.

A process the student's code leaves behind is re-parented here when its parent
dies; without a reaper its zombie would hold a slot of the pids limit until the
container is removed. Stdlib only: it runs on the image's interpreter.
"""

from __future__ import annotations

import os
import signal
from types import FrameType


def _reap(_signum: int, _frame: FrameType | None) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    """Reap on SIGCHLD, exit on SIGTERM, sleep otherwise."""
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: os._exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
