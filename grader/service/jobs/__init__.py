"""What a worker does with a submission: announce it, fetch it, grade it, publish the result.

Plain functions over a ``Services`` bundle, so the Celery tasks stay thin and
every step can be run (and tested) without a broker. Each step is idempotent:
the store records how far a submission got (its status, its check run, every
post in ``publications``), so a redelivered or retried job picks up where the
last one stopped and never posts the same feedback twice.

Faults and who pays for them:

* the student's code fails, times out or blows up: a graded report, published;
* the student's archive is unsafe or too big: ``rejected``, published with why;
* GitHub, Docker, the network or the grader fail: ``PlatformError`` escapes and
  the task retries with backoff; after the last retry the submission is
  ``failed`` and GitHub shows "not graded" (neutral), never a score of 0.

A module per job: ``services`` (the bundle of collaborators, each typed by its
protocol), ``grading`` (announce; claim, lease, fetch, grade, save) and
``publishing`` (the check run, annotations, status, review or comment, and the
give-up path). The names the tasks, the CLI and the tests use are here.
"""

from grader.service.jobs.grading import MAX_ATTEMPTS, announce, grade, sweep
from grader.service.jobs.publishing import give_up, publish_final, repo_prefix
from grader.service.jobs.services import Services, log, new_owner

__all__ = [
    "MAX_ATTEMPTS",
    "Services",
    "announce",
    "give_up",
    "grade",
    "log",
    "new_owner",
    "publish_final",
    "repo_prefix",
    "sweep",
]
