"""Settings from the environment (``GRADER_*``), read once at each entry point."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, ByteSize, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader"


class Settings(BaseSettings):
    """The grader's configuration; every field can be set as ``GRADER_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="GRADER_", frozen=True, extra="ignore", use_attribute_docstrings=True
    )

    cache_dir: Path = Field(default_factory=_default_cache)
    """Where tool caches live between runs (mypy's typeshed cache makes type checks fast)."""
    sandbox: Literal["docker", "local"] = "docker"
    """Which sandbox runs submissions by default: `docker`, or `local` for trusted code only."""
    sandbox_image: str = "grader-sandbox:latest"
    """The Docker sandbox's image, as `grader sandbox build` tags it."""
    debian_mirror: str = "http://deb.debian.org/debian"
    """Where debootstrap fetches Debian packages for the local base image."""
    max_memory: ByteSize = ByteSize(4 * 1024**3)
    """Operator cap: the most memory a rubric may give the student's code."""
    max_cpus: float = Field(default=4.0, gt=0)
    """Operator cap: the most CPU cores a rubric may give a sandbox."""
    max_pids: int = Field(default=1024, ge=16)
    """Operator cap: the most processes and threads a rubric may allow."""
    max_timeout: int = Field(default=900, ge=1)
    """Operator cap: the longest step a rubric may allow, in seconds."""
    max_run_timeout: int = Field(default=1800, ge=1)
    """Operator cap: the longest grading run a rubric may allow, in seconds."""
    max_disk: ByteSize = ByteSize(2 * 1024**3)
    """Operator cap: the most writable space a rubric may give a sandbox."""
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)
    """Criteria graded at the same time for one submission."""
    pool_size: int = Field(default=2, ge=0, le=16)
    """Containers a worker keeps started ahead for each rubric's limits, so a submission does
    not wait for its container to be created; each is used once, then destroyed (0: none)."""


def _default_data() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "grader"


def _env(name: str) -> AliasChoices:
    """Read a field from ``NAME`` and accept the field's own name too (tests, kwargs)."""
    return AliasChoices(name, name.lower())


class ServiceSettings(Settings):
    """The service's configuration: the webhook, the queue, the store and GitHub.

    The names GitHub integrations use everywhere (``GITHUB_WEBHOOK_SECRET``,
    ``REDIS_URL``, ``DATABASE_URL``, ``GITHUB_*``) are read without the
    ``GRADER_`` prefix; the grader's own knobs keep it.
    """

    model_config = SettingsConfigDict(
        env_prefix="GRADER_",
        frozen=True,
        extra="ignore",
        use_attribute_docstrings=True,
        populate_by_name=True,
    )

    github_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("GITHUB_WEBHOOK_SECRET")
    )
    """The secret GitHub signs deliveries with (`X-Hub-Signature-256`); required by `grader serve`."""
    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias=_env("REDIS_URL"))
    """The Celery broker and the shared rate limiter."""
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    """SQLAlchemy URL; unset: SQLite at `GRADER_DATA_DIR/grader.db`."""
    github_api_url: str = Field("https://api.github.com", validation_alias=_env("GITHUB_API_URL"))
    """GitHub's REST API; `https://HOST/api/v3` for GitHub Enterprise Server."""
    github_app_id: int | None = Field(None, validation_alias=_env("GITHUB_APP_ID"))
    """The GitHub App's id (with its private key); preferred over a token."""
    github_app_private_key: SecretStr | None = Field(
        None, validation_alias=_env("GITHUB_APP_PRIVATE_KEY")
    )
    """The App's PEM private key itself."""
    github_app_private_key_file: Path | None = Field(
        None, validation_alias=_env("GITHUB_APP_PRIVATE_KEY_FILE")
    )
    """A file holding the App's PEM private key (instead of `GITHUB_APP_PRIVATE_KEY`)."""
    github_token: SecretStr | None = Field(None, validation_alias=_env("GITHUB_TOKEN"))
    """A plain token, when there is no App (check runs then need a fine-grained token)."""
    data_dir: Path = Field(default_factory=_default_data)
    """Where the SQLite database and downloaded submissions live."""
    courses: Path = Path("courses.yaml")
    """The course configuration: which repositories and paths map to which rubric."""
    check_name: str = "grader"
    """The check run's and commit status's name on GitHub."""
    commit_statuses: Literal["always", "spare", "never"] = "spare"
    """When a commit status repeats the check run's result: ``spare`` while GitHub's write
    budget has room (a deadline leaves it out, so results go out first; branch protection
    should then require the check run), ``always`` (a protection rule requires the status)
    or ``never``."""
    public_url: str | None = None
    """The service's public address (`https://grader.example.edu`): links from GitHub to the
    console's submission pages, GitHub's sign-in callback, and `Secure` cookies when https."""
    github_client_id: str | None = Field(None, validation_alias=_env("GITHUB_CLIENT_ID"))
    """The GitHub App's client id, for signing in to the console (GitHub's OAuth web flow)."""
    github_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("GITHUB_CLIENT_SECRET")
    )
    """The GitHub App's client secret, for signing in to the console."""
    github_web_url: str = Field("https://github.com", validation_alias=_env("GITHUB_WEB_URL"))
    """GitHub's web address, where `/login/oauth/authorize` and `/login/oauth/access_token` live;
    `https://HOST` for GitHub Enterprise Server."""
    session_secret: SecretStr | None = None
    """The key the console's session cookie is signed with (32 random bytes or more); unset:
    nobody can sign in (API tokens still work)."""
    admins: Annotated[tuple[str, ...], NoDecode] = ()
    """GitHub logins of the operators, comma-separated: owners of every course."""
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    """How long a console sign-in lasts, in hours; roles are read again at the next sign-in."""
    canvas_token: SecretStr | None = Field(None, validation_alias=_env("CANVAS_TOKEN"))
    """An access token of a Canvas user who may grade the courses' Canvas assignments (grade
    passback, `grader course canvas push`); unset: no passback."""
    canvas_requests_per_second: float = Field(default=5.0, gt=0, le=100)
    """The most requests a second sent to Canvas (its API throttles heavier clients)."""
    redis_prefix: str = "grader"
    """Prefix of the service's own Redis keys (rate limiter, pauses)."""
    writes_per_minute: int = Field(default=80, ge=1)
    """GitHub's content-creation limit per minute, shared by all workers."""
    writes_per_hour: int = Field(default=500, ge=1)
    """GitHub's content-creation limit per hour, shared by all workers."""
    max_archive: ByteSize = ByteSize(100 * 1024**2)
    """The largest repository tarball (downloaded and extracted) a worker accepts."""
    max_archive_files: int = Field(default=20_000, ge=1)
    """The most files a repository tarball may hold."""
    max_annotations: int = Field(default=500, ge=0)
    """The most annotations put on one check run (sent 50 a request)."""
    lease: float = Field(default=30.0, ge=2)
    """How long a worker's claim on a submission lasts unless renewed (every third of it);
    a dead worker's job is taken over this long after its last renewal."""
    visibility_timeout: int = Field(default=7200, ge=60)
    """Seconds before Redis hands an unacknowledged job to another worker (a whole
    worker host lost); longer than any grading run and retry countdown."""
    grading_slots: int = Field(default=2, ge=1, le=1000)
    """Gradings all workers run at once (the sum of their concurrency), for the estimated
    wait shown on a queued check run."""
    queue_refresh: float = Field(default=30.0, ge=5)
    """Seconds between updates of the queued check runs' places in line (at most 10 check
    runs edited each time, front of the line first)."""
    sweep_interval: float = Field(default=60.0, ge=1)
    """Seconds between a worker's sweeps for submissions stored while the broker was down."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Threshold of the JSON logs."""
    log_json: bool = True
    """JSON log lines (one object a line); false: readable console lines."""

    @field_validator(
        "github_client_id", "github_client_secret", "session_secret", "canvas_token", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`GRADER_SESSION_SECRET=` (an empty line of an env file) is no secret at all: unset."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("session_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """A key anyone could guess would let anyone forge a session."""
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("use at least 32 random characters (secrets.token_urlsafe(32))")
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _comma_logins(cls, value: object) -> object:
        """`GRADER_ADMINS=prof-ada, ta-bob`: a comma list, each a GitHub login, lowercased."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            for login in value:
                if not isinstance(login, str) or not _LOGIN.match(login):
                    raise ValueError(f"{login!r} is not a GitHub login")
            return tuple(login.lower() for login in value)
        return value

    @property
    def secure_cookies(self) -> bool:
        """True when the public address is https: the session cookie is then `Secure`."""
        return bool(self.public_url) and str(self.public_url).lower().startswith("https://")

    def sign_in_problems(self) -> list[str]:
        """What keeps people from signing in to the console, one message each."""
        missing = [
            name
            for name, value in (
                ("GRADER_SESSION_SECRET", self.session_secret),
                ("GITHUB_CLIENT_ID", self.github_client_id),
                ("GITHUB_CLIENT_SECRET", self.github_client_secret),
            )
            if not value
        ]
        if not missing:
            return []
        return [
            "sign-in is not configured: set GRADER_SESSION_SECRET and GITHUB_CLIENT_ID/SECRET"
            f" (missing: {', '.join(missing)})"
        ]

    @property
    def sqlalchemy_url(self) -> str:
        """The store's URL: `DATABASE_URL`, or SQLite in the data dir."""
        if self.database_url:
            url = self.database_url
            # Hosted PostgreSQL often hands out `postgres://`; SQLAlchemy wants a driver.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{self.data_dir / 'grader.db'}"

    def private_key(self) -> str | None:
        """The App's private key, from the variable or the file."""
        if self.github_app_private_key is not None:
            return self.github_app_private_key.get_secret_value()
        if self.github_app_private_key_file is not None:
            return self.github_app_private_key_file.read_text(encoding="utf-8")
        return None

    def github_problems(self) -> list[str]:
        """What keeps the worker from talking to GitHub, one message each."""
        problems: list[str] = []
        if self.github_app_id is None and self.github_token is None:
            problems.append(
                "GitHub credentials: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY(_FILE), or GITHUB_TOKEN"
            )
        if self.github_app_id is not None:
            if self.github_app_private_key is None and self.github_app_private_key_file is None:
                problems.append(
                    "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is"
                )
            elif (
                self.github_app_private_key_file is not None
                and not self.github_app_private_key_file.is_file()
            ):
                problems.append(
                    f"GITHUB_APP_PRIVATE_KEY_FILE={self.github_app_private_key_file}: no such file"
                )
        return problems
