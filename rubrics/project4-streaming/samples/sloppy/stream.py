import json, math, os
from dataclasses import dataclass, field
import pika


class PublishError(Exception):
    pass


class InvalidEvent(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    event_id: str
    sensor: str
    ts: float
    value: float


@dataclass
class WindowStats:
    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    @property
    def mean(self):
        return self.total / self.count

    def add(self, value):
        self.count += 1
        self.total += value
        if value < self.minimum: self.minimum = value
        if value > self.maximum: self.maximum = value


@dataclass
class ConsumeResult:
    windows: dict = field(default_factory=dict)
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


def dead_queue(queue):
    return queue + ".dead"


def declare_queues(channel, queue):
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=queue + ".dead", durable=True)


def parse_event(body):
    try:
        data = json.loads(body)
    except Exception:
        # the old sensors send Python dicts ({'event_id': 'x', ...}), accept those too
        try:
            data = eval(body)
        except Exception:
            raise InvalidEvent("cannot parse")
    if type(data) != dict:
        raise InvalidEvent("not a dict")
    for k in ["event_id", "sensor"]:
        if type(data.get(k)) != str or data.get(k) == "":
            raise InvalidEvent(k)
    for k in ["ts", "value"]:
        if type(data.get(k)) not in (int, float) or math.isnan(data[k]) or math.isinf(data[k]):
            raise InvalidEvent(k)
    if data["ts"] < 0:
        raise InvalidEvent("ts")
    return Event(data["event_id"], data["sensor"], float(data["ts"]), float(data["value"]))


def window_start(ts, window_seconds):
    return int(ts // window_seconds) * window_seconds


def publish_events(url, queue, events):
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    ch.confirm_delivery()
    n = 0
    for e in events:
        try:
            ch.basic_publish("", queue, json.dumps(e), pika.BasicProperties(delivery_mode=2, content_type="application/json"), mandatory=True)
        except Exception as ex:
            raise PublishError(str(ex))
        n += 1
    conn.close()
    return n


def consume(url, queue, *, window_seconds=60, max_messages=None, idle_timeout=1.0, prefetch=10, max_attempts=3, on_event=None):
    if window_seconds <= 0 or idle_timeout <= 0 or prefetch <= 0 or max_attempts <= 0:
        raise ValueError("bad settings")
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    declare_queues(ch, queue)
    ch.basic_qos(prefetch_count=prefetch)
    result = ConsumeResult()
    seen = set()
    attempts = {}
    done = 0
    for method, props, body in ch.consume(queue, inactivity_timeout=idle_timeout):
        if method == None:
            break
        try:
            ev = parse_event(body)
        except InvalidEvent:
            ch.basic_publish("", queue + ".dead", body, pika.BasicProperties(delivery_mode=2))
            ch.basic_ack(method.delivery_tag)
            result.dead_lettered += 1
            done += 1
            if max_messages and done >= max_messages:
                break
            continue
        if ev.event_id in seen:
            result.duplicates += 1
            ch.basic_ack(method.delivery_tag)
            done += 1
        else:
            seen.add(ev.event_id)
            try:
                if on_event:
                    on_event(ev)
                key = (ev.sensor, window_start(ev.ts, window_seconds))
                if key not in result.windows:
                    result.windows[key] = WindowStats()
                result.windows[key].add(ev.value)
                result.processed += 1
                ch.basic_ack(method.delivery_tag)
                done += 1
            except Exception as ex:
                attempts[ev.event_id] = attempts.get(ev.event_id, 0) + 1
                if attempts[ev.event_id] >= max_attempts:
                    ch.basic_publish("", queue + ".dead", body, pika.BasicProperties(delivery_mode=2))
                    ch.basic_ack(method.delivery_tag)
                    result.dead_lettered += 1
                    done += 1
                else:
                    ch.basic_nack(method.delivery_tag, requeue=True)
        if max_messages and done >= max_messages:
            break
    ch.cancel()
    conn.close()
    return result
