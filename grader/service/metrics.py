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
