"""What runs inside the sandbox, beside the student's code: standalone scripts that import nothing of the grader.

- ``init.py``: the container's PID 1 (reaps, waits for the deadline).
- ``launch.py``: runs one step under its limits and reports how it ended.
- ``probe.py``: after a step, kills what the student left running and deletes what it left behind.
- ``warm_mypy.py``: bakes mypy's standard-library cache into the image.
- ``bench_runner.py``: times the student's function against the reference (the ``benchmark`` check),
  with ``bench_calls.py`` (one call, stopped far over the reference's time) and
  ``bench_verdict.py`` (when the verdict is settled), copied beside it into each workspace.
- ``pytest_plugin.py``: the grader's pytest plugin (the ``tests`` and ``coverage`` checks).

The first four are copied into the sandbox image (``grader sandbox build``); the last two into
each workspace that needs them.
"""
