import requests, json, sqlite3, time, os, sys, logging
from datetime import datetime, timezone
from urllib.parse import urlencode
from dataclasses import dataclass
import argparse
import math


class FetchError(Exception):
    def __init__(self, message, *, status, url):
        super().__init__(message + " status=" + str(status) + " url=" + url)
        self.status = status
        self.url = url


class ApiClient:
    def __init__(self, base_url, api_key, *, timeout=10.0, max_retries=3, backoff=0.5, sleep=time.sleep):
        if timeout <= 0:
            raise ValueError("bad timeout")
        if max_retries < 0:
            raise ValueError("bad max_retries")
        if backoff < 0:
            raise ValueError("bad backoff")
        self.base_url = base_url
        self.key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.s = requests.Session()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def close(self):
        self.s.close()

    def get_json(self, path, params=None):
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url = url + "?" + urlencode(params)
        attempt = 0
        while True:
            try:
                r = self.s.get(url, headers={"X-API-Key": self.key}, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as e:
                if attempt >= self.max_retries:
                    raise FetchError("connection problem", status=None, url=url)
                self.sleep(self.backoff * 2**attempt)
                attempt += 1
                continue
            if r.status_code >= 200 and r.status_code < 300:
                try:
                    return r.json()
                except:
                    raise FetchError("not json", status=r.status_code, url=url)
            elif r.status_code == 429 or r.status_code >= 500:
                if attempt >= self.max_retries:
                    raise FetchError("gave up", status=r.status_code, url=url)
                wait = self.backoff * 2**attempt
                ra = r.headers.get("Retry-After")
                if ra:
                    try:
                        x = float(ra)
                        if x >= 0:
                            wait = x
                    except:
                        pass
                self.sleep(wait)
                attempt += 1
            else:
                raise FetchError("error", status=r.status_code, url=url)


@dataclass
class Saved:
    inserted: int
    updated: int
    unchanged: int


class RecordStore:
    def __init__(self, path):
        self.db = sqlite3.connect(str(path))
        self.db.execute("create table if not exists records (id text primary key, data text)")
        self.db.execute("create table if not exists meta (k text primary key, v text)")
        self.db.commit()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def close(self):
        self.db.close()

    def save(self, records):
        ins = 0
        upd = 0
        same = 0
        for r in records:
            rid = r["id"].replace("'", "''")
            data = json.dumps(r, sort_keys=True)
            row = self.db.execute(f"select data from records where id = '{rid}'").fetchone()
            if row == None:
                self.db.execute(f"insert into records values ('{rid}', '{data.replace(chr(39), chr(39) * 2)}')")
                ins += 1
            elif row[0] != data:
                self.db.execute(f"update records set data = '{data.replace(chr(39), chr(39) * 2)}' where id = '{rid}'")
                upd += 1
            else:
                same += 1
        self.db.commit()
        return Saved(ins, upd, same)

    def get(self, record_id):
        rid = record_id.replace("'", "''")
        row = self.db.execute(f"select data from records where id = '{rid}'").fetchone()
        if row:
            return json.loads(row[0])
        return None

    def records(self):
        return [json.loads(x[0]) for x in self.db.execute("select data from records order by id").fetchall()]

    def get_since(self):
        row = self.db.execute("select v from meta where k = 'since'").fetchone()
        if row:
            return row[0]

    def set_since(self, value):
        self.db.execute("insert or replace into meta values ('since', ?)", (value,))
        self.db.commit()


@dataclass
class SyncReport:
    pages: int
    fetched: int
    inserted: int
    updated: int
    since: str


def t(s):
    d = datetime.fromisoformat(s)
    if d.tzinfo == None:
        d = d.replace(tzinfo=timezone.utc)
    return d


def sync(client, path, store, *, page_size=100):
    since = store.get_since()
    newest = since
    cursor = None
    pages = 0
    fetched = 0
    inserted = 0
    updated = 0
    while True:
        params = {"limit": page_size}
        if since:
            params["since"] = since
        if cursor:
            params["cursor"] = cursor
        page = client.get_json(path, params)
        url = client.base_url + "/" + path + "?" + urlencode(params)
        if type(page) != dict or type(page.get("items")) != list:
            raise FetchError("bad page", status=200, url=url)
        cursor = page.get("next_cursor")
        if cursor != None and type(cursor) != str:
            raise FetchError("bad cursor", status=200, url=url)
        for item in page["items"]:
            if type(item) != dict or "id" not in item or "updated_at" not in item:
                raise FetchError("bad record", status=200, url=url)
        s = store.save(page["items"])
        for item in page["items"]:
            if newest == None or t(item["updated_at"]) > t(newest):
                newest = item["updated_at"]
        pages += 1
        fetched += len(page["items"])
        inserted += s.inserted
        updated += s.updated
        if not cursor:
            break
    if newest != None and newest != since:
        store.set_since(newest)
    return SyncReport(pages, fetched, inserted, updated, newest)


@dataclass
class JobRun:
    name: str
    scheduled_for: float
    started_at: float
    finished_at: float
    error: str

    @property
    def ok(self):
        return self.error == None


class Scheduler:
    def __init__(self, clock=time.time, sleep=time.sleep):
        self.clock = clock
        self.sleep = sleep
        self.jobs = []
        self.history = []
        self.stopped = False

    def every(self, seconds, job, *, name=None, first_run=None):
        if seconds <= 0:
            raise ValueError("interval must be > 0")
        if name == None:
            name = job.__name__
        for j in self.jobs:
            if j["name"] == name:
                raise ValueError("duplicate name")
        if first_run == None:
            first_run = self.clock() + seconds
        self.jobs.append({"name": name, "func": job, "every": seconds, "next": first_run})

    def daily(self, at, job, *, name=None):
        try:
            h, m = at.split(":")
            h = int(h)
            m = int(m)
        except:
            raise ValueError("bad time " + at)
        if h < 0 or h > 23 or m < 0 or m > 59:
            raise ValueError("bad time " + at)
        now = self.clock()
        d = datetime.fromtimestamp(now, timezone.utc).replace(hour=h, minute=m, second=0, microsecond=0)
        first = d.timestamp()
        if first < now:
            first = first + 86400
        if name == None:
            name = job.__name__
        for j in self.jobs:
            if j["name"] == name:
                raise ValueError("duplicate name")
        self.jobs.append({"name": name, "func": job, "every": 86400, "next": first})

    def run_pending(self):
        now = self.clock()
        runs = []
        for j in sorted(self.jobs, key=lambda j: j["next"]):
            if j["next"] <= now:
                slot = j["next"]
                start = self.clock()
                err = None
                try:
                    j["func"]()
                except Exception as e:
                    err = str(e)
                    logging.error("job " + j["name"] + " failed: " + str(e))
                end = self.clock()
                nxt = slot + j["every"]
                while nxt < end:
                    nxt = nxt + j["every"]
                j["next"] = nxt
                r = JobRun(j["name"], slot, start, end, err)
                self.history.append(r)
                runs.append(r)
        return runs

    def run(self, until=None):
        self.stopped = False
        while not self.stopped:
            if until != None and self.clock() >= until:
                return
            self.run_pending()
            if self.stopped:
                return
            times = [j["next"] for j in self.jobs]
            if until != None:
                times.append(until)
            if len(times) == 0:
                return
            wait = min(times) - self.clock()
            if wait > 0:
                self.sleep(wait)

    def stop(self):
        self.stopped = True


def main(argv=None, *, clock=time.time, sleep=time.sleep):
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--path", default="records")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--every", type=float)
    a = p.parse_args(argv)
    key = os.environ.get("FETCHER_API_KEY")
    if not key:
        print("no key", file=sys.stderr)
        return 2
    client = ApiClient(a.base_url, key, sleep=sleep)
    store = RecordStore(a.store)

    def job():
        r = sync(client, a.path, store, page_size=a.page_size)
        print("done", r)

    if a.every:
        s = Scheduler(clock, sleep)
        s.every(a.every, job, first_run=clock())
        try:
            s.run()
        except KeyboardInterrupt:
            pass
        return 0
    try:
        job()
    except FetchError as e:
        print("failed:", e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
