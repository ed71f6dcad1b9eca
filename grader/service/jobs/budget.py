"""The feedback budget: how many gradings a student may have of one assignment in a
sliding window (``courses.yaml``: ``feedback: {gradings: 5, hours: 24}``).

A push over the budget is recorded as ``deferred`` and answered with a neutral check run
saying when feedback returns. It is not lost: a newer push supersedes it, and when the
student's due date passes, the deferred pushes still standing (each the last of its pull
request) are graded as bulk work, so the grade that counts is computed from the counted
submission as it would have been without a budget. After the due date there is no budget.

Two pushes announced at the same instant may both be let through (the count is read, not
locked): the budget is a brake on "debugging by autograder", not an accounting system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from grader.report.wording import plural
from grader.service.courses import FeedbackBudget, Route
from grader.service.jobs.services import Services, log
from grader.service.store import Submission
from grader.service.store.sql_queue import FEEDBACK_STATUSES


@dataclass(frozen=True)
class BudgetState:
    """A student's budget of one assignment at one moment."""

    budget: FeedbackBudget
    used: int
    """Gradings in the window (the one being decided counted once it is let through)."""
    next_at: datetime | None
    """When the oldest grading in the window leaves it (one more becomes available)."""

    @property
    def left(self) -> int:
        return max(0, self.budget.gradings - self.used)

    @property
    def spent(self) -> bool:
        return self.used >= self.budget.gradings


def window(budget: FeedbackBudget) -> timedelta:
    return timedelta(hours=budget.hours)


def state(services: Services, sub: Submission, route: Route, now: datetime) -> BudgetState | None:
    """The author's budget at ``now``, ``sub`` itself counted when it got feedback; None when
    none applies to it (no budget, no known author, a regrade or bulk work, or pushed after
    the due date)."""
    budget = route.assignment.feedback
    if budget is None or sub.author_login is None or sub.regrade or sub.priority != "interactive":
        return None
    due = _due(services, sub, route)
    if due is not None and sub.created_at > due:
        return None
    since = now - window(budget)
    used = services.store.feedback_used(sub.assignment, sub.author_login, since, excluding=sub.id)
    if sub.status in FEEDBACK_STATUSES and sub.created_at > since:
        used = sorted([*used, sub.created_at])
    next_at = used[0] + window(budget) if used else None
    return BudgetState(budget, len(used), next_at)


def _due(services: Services, sub: Submission, route: Route) -> datetime | None:
    from grader.service.jobs.grading import student_due  # the grading job imports this module

    return student_due(services, sub) or route.due


def _clock(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M UTC")


def _span(budget: FeedbackBudget) -> str:
    hours = budget.hours
    if hours == 24:
        return "today (24 h)"
    return f"in {plural(int(hours), 'hour')}" if hours == int(hours) else f"in {hours:g} hours"


def notice(after: BudgetState) -> str:
    """The line every report carries, e.g. "Feedback budget: 3 of 5 gradings left today
    (24 h); the next returns at 14:00 UTC." ``after`` counts the grading being published."""
    budget = after.budget
    text = f"Feedback budget: {after.left} of {plural(budget.gradings, 'grading')} left {_span(budget)}"
    if after.next_at is not None and after.left < budget.gradings:
        text += f"; the next returns at {_clock(after.next_at)}"
    return text + "."


def deferred_text(before: BudgetState) -> str:
    """The neutral check run's text for a push over the budget."""
    budget = before.budget
    when = _clock(before.next_at) if before.next_at else "later"
    return (
        f"Feedback budget spent: {plural(budget.gradings, 'grading')} {_span(budget)}\n\n"
        f"This push is recorded, and feedback returns at {when}: push again then. "
        "Your grade is not affected: if this is your last push before the due date, it is "
        "graded at the due date."
    )


def after_grading(services: Services, sub: Submission) -> str | None:
    """The budget line of a graded push's report, counting it (None when no budget applies)."""
    route = services.courses.get(sub.assignment)
    current = None if route is None else state(services, sub, route, datetime.now(UTC))
    return None if current is None else notice(current)


def grade_deferred(
    services: Services, enqueue: Callable[[str], None], now: datetime | None = None
) -> int:
    """Queue the deferred pushes whose author's due date has passed (as bulk work); returns
    how many. A deferred push still standing is the last of its pull request (a newer push
    supersedes it), so it is the one that counts."""
    moment = now or datetime.now(UTC)
    queued = 0
    for sub in services.store.deferred():
        route = services.courses.get(sub.assignment)
        if route is None:
            continue
        due = _due(services, sub, route)
        if due is None or moment <= due:
            continue
        if services.store.requeue_deferred(sub.id):
            enqueue(sub.id)
            services.store.mark_enqueued(sub.id)
            queued += 1
            log.info("deferred push queued at its due date", submission_id=sub.id)
    return queued
