"""The fake GitHub server, driven by the real PyGithub and httpx: what the end-to-end tests rely on."""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import github
import httpx
import jwt
import pytest
from fakegithub import FakeGitHub
from github import Auth, GithubException, UnknownObjectException

PR_FIXTURE = Path(__file__).parent / "fixtures" / "github" / "pr-basic"
REPO = "course/week01"
FORK = "student/week01"
INSTALLATION = 7
TOKEN = "t0ken"
# PyGithub spaces requests (0.25 s) and writes (1 s) per client by default: far too slow for tests.
FAST: dict[str, Any] = {"seconds_between_requests": 0, "seconds_between_writes": 0}

DIFF = '''\
diff --git a/data.csv b/data.csv
new file mode 100644
index 0000000..3743430
--- /dev/null
+++ b/data.csv
@@ -0,0 +1,2 @@
+alice,3
+bob,4
diff --git a/records.py b/records.py
index 477ccd6..2f6ee79 100644
--- a/records.py
+++ b/records.py
@@ -3,9 +3,12 @@
\x20
 def read_records(path):
     """Yield one record per line."""
-    raise NotImplementedError
+    with open(path) as handle:
+        for line in handle:
+            name, amount = line.rstrip("\\n").split(",")
+            yield name, int(amount)
\x20
\x20
 def total(records):
     """Sum the amounts."""
-    raise NotImplementedError
+    return sum(amount for _, amount in records)
'''


@dataclass
class World:
    gh: FakeGitHub
    base: str
    head: str

    def app(self) -> Auth.AppAuth:
        return Auth.AppAuth(self.gh.app_id, self.gh.private_key_pem)

    def installation_client(self, **options: Any) -> github.Github:
        auth = self.app().get_installation_auth(INSTALLATION)
        return github.Github(auth=auth, base_url=self.gh.api_url, **FAST, **options)

    def token_client(self, **options: Any) -> github.Github:
        return github.Github(auth=Auth.Token(TOKEN), base_url=self.gh.api_url, **FAST, **options)


@pytest.fixture
def world() -> Iterator[World]:
    """A course repository with the App installed and PR #1 from a student's fork."""
    with FakeGitHub(token=TOKEN) as gh:
        gh.add_repo(REPO, installation_id=INSTALLATION)
        base = gh.add_commit(REPO, PR_FIXTURE / "base")
        head = gh.add_commit(REPO, PR_FIXTURE / "head")
        gh.add_pull(REPO, 1, base_sha=base, head_sha=head, head_repo=FORK, head_ref="solution")
        yield World(gh, base, head)
        assert gh.internal_errors == []  # the fake's own answers match the spec


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def findings(count: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "path": "records.py",
            "start_line": line,
            "end_line": line,
            "annotation_level": "warning",
            "message": f"finding {line}",
        }
        for line in range(start, start + count)
    ]


def test_app_installation_tokens_are_minted_in_both_formats_and_work(world: World) -> None:
    gh = world.gh
    with github.GithubIntegration(auth=world.app(), base_url=gh.api_url, **FAST) as integration:
        assert integration.get_repo_installation("course", "week01").id == INSTALLATION
        minted = [integration.get_access_token(INSTALLATION) for _ in range(2)]
    classic, stateless = (m.token for m in minted)
    assert re.fullmatch(r"ghs_[A-Za-z0-9]{36}", classic)
    assert stateless.startswith(f"ghs_{gh.app_id}_")
    assert len(stateless) > 100
    lifetime = minted[0].expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    for token in (classic, stateless):
        with github.Github(auth=Auth.Token(token), base_url=gh.api_url, **FAST) as client:
            assert client.get_repo(REPO).full_name == REPO
    with world.installation_client() as client:  # mints lazily, on the first call
        assert client.get_repo(REPO).get_pull(1).head.sha == world.head
    mints = gh.requests_to("POST", "/app/installations/7/access_tokens")
    assert len(mints) == 3
    assert all(r.headers["authorization"].startswith("Bearer ey") for r in mints)
    assert gh.violations == []


def test_bad_expired_and_missing_credentials_get_401(world: World) -> None:
    gh = world.gh
    url = f"{gh.api_url}/repos/{REPO}"
    token = gh.installation_token(INSTALLATION)
    forged = jwt.encode(
        {"iat": 0, "exp": 2**40, "iss": str(gh.app_id)},
        "a-guessed-secret-of-32-bytes-long!",
        algorithm="HS256",
    )
    with httpx.Client() as client:
        assert client.get(url, headers=bearer(token)).status_code == 200
        gh.expire_tokens()
        expired = client.get(url, headers=bearer(token))
        unknown = client.get(url, headers={"Authorization": "token ghs_nope"})
        mint = client.post(
            f"{gh.api_url}/app/installations/7/access_tokens", headers=bearer(forged)
        )
        missing = client.get(url)
    assert (expired.status_code, expired.json()["message"]) == (401, "Bad credentials")
    assert (unknown.status_code, unknown.json()["message"]) == (401, "Bad credentials")
    assert mint.status_code == 401
    assert "x-ratelimit-remaining" in expired.headers
    assert missing.status_code == 401
    assert gh.violations == [f"GET /api/v3/repos/{REPO} -> 401: no Authorization header"]


def test_check_run_annotations_append_across_updates_and_51_are_refused(world: World) -> None:
    gh = world.gh
    with world.installation_client() as client:
        repo = client.get_repo(REPO)
        run = repo.create_check_run(
            name="autograder",
            head_sha=world.head,
            status="in_progress",
            external_id="sub-1",
            output={"title": "Grading", "summary": "running", "annotations": findings(50)},
        )
        assert run.status == "in_progress"
        assert run.conclusion is None
        assert run.pull_requests == []  # the PR comes from a fork
        run.edit(
            conclusion="failure",
            output={"title": "Grade", "summary": "8/10", "annotations": findings(50, start=51)},
        )
        assert (run.status, run.output.annotations_count) == ("completed", 100)
        with pytest.raises(GithubException) as refused:
            run.edit(output={"title": "Grade", "summary": "8/10", "annotations": findings(51)})
    assert refused.value.status == 422
    assert refused.value.data["message"] == (
        "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied."
    )
    (stored,) = gh.check_runs(REPO)
    assert stored["conclusion"] == "failure"
    assert stored["external_id"] == "sub-1"
    assert stored["output"]["summary"] == "8/10"
    assert [a["start_line"] for a in stored["annotations"]] == list(range(1, 101))
    assert len(gh.violations) == 1
    assert "No more than 50 items are allowed; 51 were supplied." in gh.violations[0]


def test_a_plain_token_cannot_create_check_runs(world: World) -> None:
    with world.token_client() as client, pytest.raises(GithubException) as refused:
        client.get_repo(REPO).create_check_run(name="autograder", head_sha=world.head)
    assert (refused.value.status, refused.value.data["message"]) == (
        403,
        "You must authenticate via a GitHub App.",
    )


def test_status_descriptions_over_140_characters_are_refused(world: World) -> None:
    gh = world.gh
    with world.installation_client(lazy=True) as client:
        commit = client.get_repo(REPO).get_commit(world.head)  # lazy: no GET .../commits/{sha}
        commit.create_status("success", description="d" * 140, context="autograder")
        with pytest.raises(GithubException) as refused:
            commit.create_status("failure", description="d" * 141, context="autograder")
    assert refused.value.status == 422
    assert refused.value.data["errors"] == [
        {
            "resource": "Status",
            "code": "custom",
            "field": "description",
            "message": "description is too long (maximum is 140 characters)",
        }
    ]
    assert [s["state"] for s in gh.statuses(REPO, world.head)] == ["success"]
    assert gh.violations == [
        f"POST /api/v3/repos/{REPO}/statuses/{world.head} -> 422: "
        "status description is 141 characters (GitHub allows 140)"
    ]


def test_review_inline_comments_must_sit_on_the_diff(world: World) -> None:
    gh = world.gh
    with world.installation_client() as client:
        pull = client.get_repo(REPO).get_pull(1)
        review = pull.create_review(
            body="Two notes.",
            event="COMMENT",
            comments=[
                {"path": "records.py", "line": 6, "body": "An added line"},
                {"path": "records.py", "line": 6, "side": "LEFT", "body": "A removed line"},
                {"path": "data.csv", "position": 1, "body": "test data"},
            ],
        )
        assert review.state == "COMMENTED"
        with pytest.raises(GithubException) as off_diff:
            pull.create_review(
                body="One good, one off the diff.",
                event="COMMENT",
                comments=[
                    {"path": "records.py", "line": 7, "body": "fine"},
                    {"path": "records.py", "line": 1, "body": "line 1 is not in any hunk"},
                ],
            )
        with pytest.raises(GithubException) as unchanged:
            pull.create_review(
                body="x",
                event="COMMENT",
                comments=[{"path": "tests/test_records.py", "line": 1, "body": "unchanged"}],
            )
        with pytest.raises(GithubException) as no_body:
            pull.create_review(event="REQUEST_CHANGES")
    assert off_diff.value.status == unchanged.value.status == no_body.value.status == 422
    assert "must be part of the diff" in off_diff.value.data["errors"][0]
    assert no_body.value.data["errors"] == [
        "You need to leave a comment indicating the requested changes."
    ]
    (stored,) = gh.reviews(REPO, 1)  # all or nothing: the refused reviews left nothing behind
    assert stored["commit_id"] == world.head
    assert len(stored["comments"]) == 3
    assert gh.violations == [
        f"POST /api/v3/repos/{REPO}/pulls/1/reviews -> 422: REQUEST_CHANGES review without a body"
    ]


def test_tarball_redirect_is_followed_without_the_authorization_header(world: World) -> None:
    gh = world.gh
    with world.token_client() as client:
        link = client.get_repo(REPO).get_archive_link("tarball", "main")
    assert link.startswith(f"{gh.base_url}/_codeload/{REPO}/legacy.tar.gz/{world.base}?token=")
    with httpx.Client() as http:
        redirect = http.get(
            f"{gh.api_url}/repos/{REPO}/tarball/{world.head}", headers=bearer(TOKEN)
        )
        assert redirect.status_code == 302
        download = http.get(redirect.headers["location"])  # a fresh request: no Authorization
        with_auth = http.get(redirect.headers["location"], headers=bearer(TOKEN))
    assert download.status_code == 200
    assert with_auth.status_code == 400
    with tarfile.open(fileobj=io.BytesIO(download.content), mode="r:gz") as tar:
        names = tar.getnames()
        assert tar.pax_headers["comment"] == world.head
        data = tar.extractfile(f"course-week01-{world.head[:7]}/data.csv")
        assert data is not None
        assert data.read() == b"alice,3\nbob,4\n"
    top = f"course-week01-{world.head[:7]}"
    assert {name.split("/")[0] for name in names} == {top}
    assert f"{top}/tests/test_records.py" in names
    assert gh.violations == [
        "GET /_codeload/course/week01/legacy.tar.gz/"
        f"{world.head} -> 400: codeload request carries an Authorization header (GitHub's redirect goes "
        "to another host, so clients must drop it)"
    ]
    assert all(r.operation is None for r in gh.requests if r.path.startswith("/_codeload/"))


def test_hostile_tarball_bytes_are_served_verbatim(world: World) -> None:
    gh = world.gh
    gh.set_tarball(world.head, b"\x1f\x8b not really gzip")
    with httpx.Client() as http:
        redirect = http.get(
            f"{gh.api_url}/repos/{REPO}/tarball/{world.head}", headers=bearer(TOKEN)
        )
        assert http.get(redirect.headers["location"]).content == b"\x1f\x8b not really gzip"


def test_delivery_faults_send_the_answer_without_or_with_a_false_length_or_not_at_all(
    world: World,
) -> None:
    """The transport faults a download must survive: each changes how the next answer goes on the
    wire, not what it says; a stalled answer is held until the fake stops."""
    gh = world.gh
    codeload = f"/_codeload/{REPO}/legacy.tar.gz/*"
    tarball = f"{gh.api_url}/repos/{REPO}/tarball/{world.head}"
    with httpx.Client() as http:
        whole = http.get(http.get(tarball, headers=bearer(TOKEN)).headers["location"]).content
        gh.send_without_length_next("GET", codeload)
        streamed = http.get(http.get(tarball, headers=bearer(TOKEN)).headers["location"])
        gh.send_with_length_next("GET", codeload, len(whole) + 10)
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(http.get(tarball, headers=bearer(TOKEN)).headers["location"])
        gh.stall_next("GET", f"/repos/{REPO}/tarball/*")
        with pytest.raises(httpx.ReadTimeout):
            http.get(tarball, headers=bearer(TOKEN), timeout=0.2)
        assert http.get(tarball, headers=bearer(TOKEN)).status_code == 302  # once only
    assert "content-length" not in streamed.headers
    assert streamed.content == whole
    assert gh.violations == []


def test_pull_request_diff_media_type(world: World) -> None:
    gh = world.gh
    with httpx.Client() as http:
        diff = http.get(
            f"{gh.api_url}/repos/{REPO}/pulls/1",
            headers={**bearer(TOKEN), "Accept": "application/vnd.github.diff"},
        )
        v3 = http.get(
            f"{gh.api_url}/repos/{REPO}/pulls/1",
            headers={**bearer(TOKEN), "Accept": "application/vnd.github.v3.diff"},
        )
    assert diff.headers["content-type"].startswith("application/vnd.github.diff")
    assert diff.text == v3.text == gh.diff(REPO, 1) == DIFF
    with world.token_client() as client:
        pull = client.get_repo(REPO).get_pull(1)
        assert (pull.additions, pull.deletions, pull.changed_files) == (7, 2, 2)
        assert pull.head.repo.full_name == FORK
        assert pull.head.repo.fork


def test_fail_next_then_success_and_fail_after_duplicates(world: World) -> None:
    gh = world.gh
    gh.fail_next("POST", "/repos/*/issues/*/comments", 502)
    with world.installation_client() as client:
        pull = client.get_repo(REPO).get_pull(1)
        comment = pull.create_issue_comment("Score: 8/10")  # GithubRetry retries the POST
        assert [r.status for r in gh.requests_to("POST", "/repos/*/issues/1/comments")] == [
            502,
            201,
        ]
        gh.fail_after("POST", "^/repos/[^/]+/[^/]+/issues/1/comments$", 502)
        pull.create_issue_comment("Again")  # done, answered 502, retried: done twice
        gh.fail_next("PATCH", "/repos/*/issues/comments/*", 502)
        with pytest.raises(GithubException) as not_retried:
            comment.edit("Score: 9/10")
    assert not_retried.value.status == 502
    assert [c["body"] for c in gh.comments(REPO, 1)] == ["Score: 8/10", "Again", "Again"]
    assert gh.violations == []


def test_requests_outside_the_spec_or_against_it_are_violations(world: World) -> None:
    gh = world.gh
    with world.installation_client() as client:
        repo = client.get_repo(REPO)
        with pytest.raises(UnknownObjectException):
            repo.get_commit(world.head)  # eager: GET .../commits/{sha}, not in the subset
    assert gh.violations == [
        f"GET /api/v3/repos/{REPO}/commits/{world.head} -> 404: not an operation of the OpenAPI subset"
    ]
    gh.clear_log()
    token = gh.installation_token(INSTALLATION)
    with httpx.Client() as http:
        answer = http.post(
            f"{gh.api_url}/repos/{REPO}/check-runs",
            headers=bearer(token),
            json={"name": "autograder", "status": "done"},
        )
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("Invalid request.\n\n")
    (violation,) = gh.violations
    assert '"head_sha" wasn\'t supplied.' in violation


def test_documented_length_limits_are_refused(world: World) -> None:
    gh = world.gh
    token = gh.installation_token(INSTALLATION)
    with httpx.Client(headers=bearer(token)) as http:
        summary = http.post(
            f"{gh.api_url}/repos/{REPO}/check-runs",
            json={
                "name": "n",
                "head_sha": world.head,
                "output": {"title": "t", "summary": "s" * 65536},
            },
        )
        comment = http.post(
            f"{gh.api_url}/repos/{REPO}/issues/1/comments", json={"body": "b" * 65537}
        )
        fits = http.post(f"{gh.api_url}/repos/{REPO}/issues/1/comments", json={"body": "b" * 65536})
    assert summary.status_code == comment.status_code == 422
    assert "maximum is 65535 characters" in summary.json()["message"]
    assert (
        comment.json()["errors"][0]["message"] == "Body is too long (maximum is 65536 characters)"
    )
    assert fits.status_code == 201
    assert len(gh.violations) == 2


def test_comments_are_listed_in_id_order_with_link_pagination(world: World) -> None:
    gh = world.gh
    with world.token_client(per_page=2) as client:
        pull = client.get_repo(REPO).get_pull(1)
        for n in range(5):
            pull.create_issue_comment(f"comment {n}")
        listed = [c.body for c in pull.get_issue_comments()]
    assert listed == [f"comment {n}" for n in range(5)]
    assert len(gh.requests_to("GET", "/repos/*/issues/1/comments")) == 3
    with httpx.Client() as http:
        page = http.get(
            f"{gh.api_url}/repos/{REPO}/issues/1/comments",
            params={"per_page": 2, "page": 2},
            headers=bearer(TOKEN),
        )
    assert set(page.links) == {"next", "last", "prev", "first"}
    assert page.links["last"]["url"].startswith(gh.api_url)
    assert gh.violations == []


def test_rate_limits_can_be_injected(world: World) -> None:
    gh = world.gh
    url = f"{gh.api_url}/repos/{REPO}"
    gh.rate_limit_next("GET", f"/repos/{REPO}", retry_after=7)
    gh.primary_rate_limit_next("*", "/repos/*", reset_in=30)
    with httpx.Client(headers=bearer(TOKEN)) as http:
        secondary, primary, fine = http.get(url), http.get(url), http.get(url)
    assert (secondary.status_code, secondary.headers["retry-after"]) == (403, "7")
    assert secondary.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert (primary.status_code, primary.headers["x-ratelimit-remaining"]) == (403, "0")
    assert primary.json()["message"].startswith("API rate limit exceeded")
    assert int(primary.headers["x-ratelimit-reset"]) > 0
    assert fine.status_code == 200
    assert int(fine.headers["x-ratelimit-remaining"]) < int(fine.headers["x-ratelimit-limit"])
    assert [r.injected for r in gh.requests] == [True, True, False]


def test_wait_for_polls_until_true(world: World) -> None:
    gh = world.gh
    assert gh.wait_for(lambda: gh.check_runs(REPO) == [], timeout=0.1)
    with pytest.raises(TimeoutError):
        gh.wait_for(lambda: gh.comments(REPO, 1), timeout=0.05)
