"""The container's layout: its users, its writable places, and where the image keeps things.

Two users share it: ``student`` (1000) runs the student's code, ``grader`` (1001) runs the
grading tools and PID 1. Its only writable places are ``/work`` (a size-capped tmpfs volume),
``/tmp`` (a size-capped tmpfs) and the tools' own ``/cache``. The interpreter and the
in-container scripts (``grader/harness/``) are baked into the image under ``/opt``.
"""

from __future__ import annotations

STUDENT = "1000:1000"
TOOLS = "1001:1001"
ROOT = "0:0"
WORK = "/work"
# The container's own size-capped tmpfs, not the host's /tmp.
TMP = "/tmp"  # noqa: S108  # nosec B108
PYTHON = "/opt/sandbox/bin/python"
LAUNCHER = "/opt/grader/launch.py"
PROBE = "/opt/grader/probe.py"
INIT = "/opt/grader/init.py"
BAKED_CACHES = "/opt/grader/mypy-cache"
CACHE = "/cache"
"""The tools' own tmpfs (user grader, mode 0700): the student's code can neither read it nor fill it."""
CACHE_SIZE = 512 * 1024**2
PATH = "/opt/sandbox/bin:/usr/local/bin:/usr/bin:/bin"
OPEN_FILES = 1024
