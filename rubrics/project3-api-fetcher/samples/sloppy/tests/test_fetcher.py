from fetcher import *


def test_store(tmp_path):
    s = RecordStore(tmp_path / "x.db")
    s.save([{"id": "a", "updated_at": "2026-01-01T00:00:00Z"}])
    assert s.get("a")["id"] == "a"
    assert len(s.records()) == 1


def test_scheduler():
    now = [0]
    def sl(x):
        now[0] += x
    s = Scheduler(lambda: now[0], sl)
    calls = []
    s.every(5, lambda: calls.append(now[0]), name="x")
    s.run(until=12)
    assert calls == [5, 10]
