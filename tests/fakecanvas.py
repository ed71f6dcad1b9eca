"""A fake Canvas REST API on 127.0.0.1, for tests that drive the real canvasapi.

``FakeCanvas`` serves the endpoints a grade passback calls, modelled on Canvas's REST
documentation (developerdocs.instructure.com, "Courses", "Assignments", "Submissions",
"Pagination", "Throttling"), from a background thread:

    GET  /api/v1/courses/:course_id
    GET  /api/v1/courses/:course_id/search_users       (and /users: the same list)
    GET  /api/v1/courses/:course_id/assignments/:assignment_id
    GET  /api/v1/courses/:course_id/assignments/:assignment_id/submissions
    PUT  /api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id

Every request is recorded (``canvas.requests``) and checked the way Canvas would read it:
``Authorization: Bearer <token>``, the path's shape and method, each query parameter by
name and type (``per_page``, ``page``, ``enrollment_type[]``, ``include[]``), a form body
for the PUT (``submission[posted_grade]`` a number of points, nothing unknown). Anything
else is answered 400/404 and described in ``canvas.violations`` (the client's fault), so a
test ends with ``assert canvas.violations == []``. An unknown course, assignment or user,
or a wrong token, is answered as Canvas does (404, 401) without being a violation: tests
ask for those.

Lists are paginated as Canvas does: at most ``min(per_page, max_per_page)`` items a page
and a ``Link`` header (``current``, ``next``, ``first``, ``last``) with absolute URLs.
``fail_next(n, status)`` answers the next ``n`` API requests with Canvas's throttle
(403 "Rate Limit Exceeded", or 429) or a 5xx, before looking at them.

    with FakeCanvas(token="t0k") as canvas:
        canvas.add_course(1234)
        canvas.add_user(1234, 11, "Amy Pond", sis_user_id="s1", email="amy@x.edu")
        canvas.add_assignment(1234, 5678, points_possible=100)
        ...  # push to canvas.url
        assert canvas.score(5678, 11) == 81
        assert canvas.violations == []
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

API = "/api/v1"
INCLUDES = frozenset(
    {"enrollments", "locked", "avatar_url", "test_student", "bio", "custom_links", "email", "uuid"}
)
"""``include[]`` values the users list documents."""
ENROLLMENT_TYPES = frozenset({"teacher", "student", "student_view", "ta", "observer", "designer"})
SUBMISSION_FIELDS = frozenset(
    {"submission[posted_grade]", "submission[excuse]", "comment[text_comment]"}
)
_POINTS = re.compile(r"^-?\d+(\.\d{1,2})?$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    """Relative to ``/api/v1``."""
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]
    status: int = 0


@dataclass
class _Assignment:
    id: int
    course: int
    name: str
    points_possible: float | None
    scores: dict[int, float | None] = field(default_factory=dict)
    excused: set[int] = field(default_factory=set)


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(
        status, json.dumps(value).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, message: str) -> _Reply:
    return _json(status, {"errors": [{"message": message}]})


class _Violation(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FakeCanvas:
    """A Canvas REST API on 127.0.0.1 (see the module docstring)."""

    def __init__(self, token: str = "canvas-token", *, max_per_page: int = 100) -> None:  # noqa: S107 - a test token
        self.token = token
        self.max_per_page = max_per_page
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.courses: set[int] = set()
        self.users: dict[int, dict[int, dict[str, Any]]] = {}
        """By course, then user id: the user's JSON."""
        self.assignments: dict[int, _Assignment] = {}
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- state ---------------------------------------------------------------------------

    def add_course(self, course: int) -> None:
        self.courses.add(course)
        self.users.setdefault(course, {})

    def add_user(
        self,
        course: int,
        user: int,
        name: str,
        *,
        sis_user_id: str | None = None,
        login_id: str | None = None,
        email: str | None = None,
    ) -> None:
        self.users[course][user] = {
            "id": user,
            "name": name,
            "sortable_name": name,
            "short_name": name,
            "sis_user_id": sis_user_id,
            "login_id": login_id,
            "email": email,
        }

    def add_assignment(
        self, course: int, assignment: int, *, points_possible: float | None = 100, name: str = ""
    ) -> None:
        self.assignments[assignment] = _Assignment(
            assignment, course, name or f"A{assignment}", points_possible
        )

    def set_score(
        self, assignment: int, user: int, score: float | None, *, excused: bool = False
    ) -> None:
        self.assignments[assignment].scores[user] = score
        if excused:
            self.assignments[assignment].excused.add(user)

    def score(self, assignment: int, user: int) -> float | None:
        return self.assignments[assignment].scores.get(user)

    def fail_next(self, count: int, status: int = 403) -> None:
        """Answer the next ``count`` API requests with ``status`` (403: Canvas's throttle)."""
        with self._lock:
            self._faults.extend([status] * count)

    @property
    def writes(self) -> int:
        """Grades set (successful PUTs)."""
        return sum(1 for r in self.requests if r.method == "PUT" and r.status == 200)

    # ---- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeCanvas is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeCanvas:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> FakeCanvas:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- requests ------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = urlsplit(target)
        inside = parts.path.startswith(API + "/")
        path = parts.path[len(API) :] if inside else "!" + parts.path  # "!": outside the API
        query = parse_qsl(parts.query, keep_blank_values=True)
        record = RecordedRequest(method, path, query, [], headers)
        with self._lock:
            self.requests.append(record)
            fault = self._faults.pop(0) if self._faults else None
        try:
            reply = self._answer(record, fault, body)
        except _Violation as exc:
            self.violations.append(f"{method} {path}: {exc}")
            reply = _error(exc.status, str(exc))
        record.status = reply.status
        return reply

    def _answer(self, record: RecordedRequest, fault: int | None, body: bytes) -> _Reply:
        if not record.path.startswith("/"):
            raise _Violation(404, f"outside {API}: {record.path[1:]}")
        if not record.headers.get("user-agent"):
            raise _Violation(400, "no User-Agent header")
        auth = record.headers.get("authorization")
        if auth is None or not auth.startswith("Bearer "):
            raise _Violation(401, "no Authorization: Bearer header")
        if fault is not None:
            return _fault(fault)
        if auth != f"Bearer {self.token}":
            reply = _error(401, "Invalid access token.")
            reply.headers["WWW-Authenticate"] = 'Bearer realm="canvas-lms"'
            return reply
        if record.method == "PUT":
            record.form = self._form(record, body)
        return self._route(record)

    def _form(self, record: RecordedRequest, body: bytes) -> list[tuple[str, str]]:
        kind = record.headers.get("content-type", "")
        if not kind.startswith("application/x-www-form-urlencoded"):
            raise _Violation(400, f"a PUT body must be a form, not {kind!r}")
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))

    def _route(self, r: RecordedRequest) -> _Reply:
        routes = [
            (r"/courses/(\d+)", "GET", self._course),
            (r"/courses/(\d+)/(?:search_users|users)", "GET", self._users),
            (r"/courses/(\d+)/assignments/(\d+)", "GET", self._assignment),
            (r"/courses/(\d+)/assignments/(\d+)/submissions", "GET", self._submissions),
            (r"/courses/(\d+)/assignments/(\d+)/submissions/(\d+)", "PUT", self._grade),
        ]
        for pattern, method, answer in routes:
            found = re.fullmatch(pattern, r.path)
            if found and r.method == method:
                return answer(r, *map(int, found.groups()))
        raise _Violation(404, f"no such endpoint: {r.method} {r.path}")

    def _course(self, r: RecordedRequest, course: int) -> _Reply:
        _params(r, allowed=set())
        if course not in self.courses:
            return _error(404, "The specified resource does not exist.")
        return _json(200, {"id": course, "name": f"Course {course}", "workflow_state": "available"})

    def _users(self, r: RecordedRequest, course: int) -> _Reply:
        params = _params(r, allowed={"enrollment_type[]", "include[]", "per_page", "page"})
        if not set(params.get("include[]", [])) <= INCLUDES:
            raise _Violation(400, f"include[] not among {sorted(INCLUDES)}: {params['include[]']}")
        if not set(params.get("enrollment_type[]", [])) <= ENROLLMENT_TYPES:
            raise _Violation(400, f"enrollment_type[] not among {sorted(ENROLLMENT_TYPES)}")
        if params.get("enrollment_type[]") != ["student"]:
            raise _Violation(400, "the passback lists students only: enrollment_type[]=student")
        if course not in self.courses:
            return _error(404, "The specified resource does not exist.")
        with_email = "email" in params.get("include[]", [])
        users = [
            {k: v for k, v in user.items() if k != "email" or with_email}
            for _, user in sorted(self.users[course].items())
        ]
        return self._page(r, params, users)

    def _the_assignment(self, course: int, assignment: int) -> _Assignment | None:
        found = self.assignments.get(assignment)
        return found if found is not None and found.course == course else None

    def _assignment(self, r: RecordedRequest, course: int, assignment: int) -> _Reply:
        _params(r, allowed=set())
        found = self._the_assignment(course, assignment)
        if found is None:
            return _error(404, "The specified resource does not exist.")
        return _json(
            200,
            {
                "id": found.id,
                "course_id": course,
                "name": found.name,
                "points_possible": found.points_possible,
                "grading_type": "points",
                "published": True,
            },
        )

    def _submissions(self, r: RecordedRequest, course: int, assignment: int) -> _Reply:
        params = _params(r, allowed={"per_page", "page", "include[]"})
        found = self._the_assignment(course, assignment)
        if found is None:
            return _error(404, "The specified resource does not exist.")
        rows = [_submission(found, user) for user in sorted(self.users[course])]
        return self._page(r, params, rows)

    def _grade(self, r: RecordedRequest, course: int, assignment: int, user: int) -> _Reply:
        _params(r, allowed=set())
        names = [name for name, _ in r.form]
        unknown = sorted(set(names) - SUBMISSION_FIELDS)
        if unknown or len(names) != len(set(names)):
            raise _Violation(400, f"unknown or repeated form fields: {unknown or names}")
        form = dict(r.form)
        grade = form.get("submission[posted_grade]")
        if grade is None or not _POINTS.match(grade):
            raise _Violation(
                400, f"submission[posted_grade] must be points like 81 or 72.5: {grade!r}"
            )
        found = self._the_assignment(course, assignment)
        if found is None or user not in self.users.get(course, {}):
            return _error(404, "The specified resource does not exist.")
        found.scores[user] = float(grade)
        found.excused.discard(user)
        return _json(200, _submission(found, user))

    def _page(self, r: RecordedRequest, params: dict[str, list[str]], items: list[Any]) -> _Reply:
        size = min(_number(params, "per_page", 10), self.max_per_page)
        page = _number(params, "page", 1)
        last = max(1, -(-len(items) // size))
        links = {"current": page, "first": 1, "last": last}
        if page < last:
            links["next"] = page + 1
        if page > 1:
            links["prev"] = page - 1
        base = [(k, v) for k, v in r.query if k not in ("page", "per_page")]
        header = ",".join(
            f'<{self.url}{API}{r.path}?{urlencode([*base, ("page", n), ("per_page", size)])}>; rel="{rel}"'
            for rel, n in links.items()
        )
        return _json(200, items[(page - 1) * size : page * size], {"Link": header})


def _params(r: RecordedRequest, allowed: set[str]) -> dict[str, list[str]]:
    """The query's parameters by name; a name not ``allowed``, or a scalar given twice, is a violation."""
    params: dict[str, list[str]] = {}
    for name, value in r.query:
        if name not in allowed:
            raise _Violation(400, f"unexpected query parameter {name!r}")
        params.setdefault(name, []).append(value)
        if not name.endswith("[]") and len(params[name]) > 1:
            raise _Violation(400, f"query parameter {name!r} given twice")
    return params


def _number(params: dict[str, list[str]], name: str, default: int) -> int:
    values = params.get(name)
    if values is None:
        return default
    if not values[0].isdigit() or int(values[0]) < 1:
        raise _Violation(400, f"{name} must be a positive integer: {values[0]!r}")
    return int(values[0])


def _submission(assignment: _Assignment, user: int) -> dict[str, Any]:
    score = assignment.scores.get(user)
    excused = user in assignment.excused
    return {
        "id": assignment.id * 100_000 + user,
        "assignment_id": assignment.id,
        "user_id": user,
        "score": score,
        "grade": None if score is None else f"{score:g}",
        "excused": excused,
        "workflow_state": "graded" if score is not None or excused else "unsubmitted",
    }


def _fault(status: int) -> _Reply:
    if status == 403:  # Canvas's throttle: a text body, and the quota left
        return _Reply(
            403,
            b"403 Forbidden (Rate Limit Exceeded)\n",
            {"Content-Type": "text/plain", "X-Rate-Limit-Remaining": "0.0"},
        )
    return _error(status, "An error occurred." if status >= 500 else "Rate Limit Exceeded")


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, fake: FakeCanvas) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self.connections_lock:
            open_sockets = list(self.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests itself."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.fake.handle(self.command, self.path, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
