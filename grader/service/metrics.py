"""Prometheus metrics, served by the API at ``/metrics``.

Deliveries are counted where they arrive (the API process). What the workers
do - how long grading took, how reports came out - is read from the shared
database at scrape time, and the queue depth from Redis, so one scrape of any
API instance sees every worker on every host, with no multiprocess files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from grader.service.store import Store

DURATION_BUCKETS = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

GITHUB_EVENTS = frozenset(
    """
    branch_protection_configuration branch_protection_rule check_run check_suite
    code_scanning_alert commit_comment create custom_property custom_property_values delete
    dependabot_alert deploy_key deployment deployment_protection_rule deployment_review
    deployment_status discussion discussion_comment fork github_app_authorization gollum
    installation installation_repositories installation_target issue_comment issues label
    marketplace_purchase member membership merge_group meta milestone org_block organization
    package page_build personal_access_token_request ping project project_card project_column
    projects_v2 projects_v2_item public pull_request pull_request_review
    pull_request_review_comment pull_request_review_thread push registry_package release
    repository repository_advisory repository_dispatch repository_import
    repository_ruleset repository_vulnerability_alert secret_scanning_alert
    secret_scanning_alert_location security_advisory security_and_analysis sponsorship star
    status team team_add watch workflow_dispatch workflow_job workflow_run
    """.split()  # noqa: SIM905 - a word list reads better than 70 quoted strings
)
"""GitHub's webhook event names: each keeps its own label, whatever else arrives shares one."""


def event_label(event: str) -> str:
    """The ``event`` label of a delivery: a known GitHub event, ``unknown`` (none) or ``other``.

    The header is set by whoever sends the request, signed or not, so using it as it
    comes would let any client create series without bound.
    """
    if not event:
        return "unknown"
    return event if event in GITHUB_EVENTS else "other"


class Metrics:
    """The API's registry and counters."""

    def __init__(self, store: Store, queue_depth: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "grader_webhook_deliveries",
            "Webhook deliveries by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(store, queue_depth))


class _StoreCollector(Collector):
    def __init__(self, store: Store, queue_depth: Callable[[], dict[str, int]]) -> None:
        self.store = store
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        depth = GaugeMetricFamily(
            "grader_queue_depth", "Jobs waiting in each Celery queue.", labels=["queue"]
        )
        for queue, count in sorted(self.queue_depth().items()):
            depth.add_metric([queue], count)
        yield depth
        submissions = GaugeMetricFamily(
            "grader_submissions", "Submissions by status.", labels=["status"]
        )
        for status, count in sorted(self.store.counts().items()):
            submissions.add_metric([status], count)
        yield submissions
        verdicts = GaugeMetricFamily(
            "grader_reports", "Graded reports by verdict (graded, incomplete).", labels=["verdict"]
        )
        for verdict, count in sorted(self.store.verdicts().items()):
            verdicts.add_metric([verdict], count)
        yield verdicts
        cumulative, total, count = self.store.durations(DURATION_BUCKETS)
        histogram = HistogramMetricFamily(
            "grader_grading_duration_seconds",
            "Seconds from a webhook delivery to the graded report.",
        )
        buckets = [
            (str(bound), float(n)) for bound, n in zip(DURATION_BUCKETS, cumulative, strict=True)
        ]
        buckets.append(("+Inf", float(count)))
        histogram.add_metric([], buckets, total)
        yield histogram
