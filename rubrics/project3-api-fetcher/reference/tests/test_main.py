"""The command: one sync, --every until Ctrl-C, the key from the environment."""

import runpy
import sys
from pathlib import Path

import pytest
from conftest import LocalApi

# isort: split
from fetcher import main


def argv(api: LocalApi, tmp_path: Path, *extra: str) -> list[str]:
    return ["--base-url", api.url, "--store", str(tmp_path / "r.db"), *extra]


def test_one_sync(
    local_api: LocalApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", "k-1")
    local_api.reply(200, {"items": [{"id": "a", "updated_at": "2026-03-02T06:00:00Z"}]})
    assert main(argv(local_api, tmp_path, "--page-size", "5")) == 0
    assert "1 fetched, 1 new" in capsys.readouterr().out
    assert local_api.requests[0][0] == "/records?limit=5"


def test_failure_and_missing_key(
    local_api: LocalApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("FETCHER_API_KEY", raising=False)
    assert main(argv(local_api, tmp_path)) == 2
    monkeypatch.setenv("FETCHER_API_KEY", "k-secret")
    local_api.reply(403)
    assert main(argv(local_api, tmp_path)) == 1
    err = capsys.readouterr().err
    assert "403" in err and "k-secret" not in err


def test_every_until_interrupted(
    local_api: LocalApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", "k-1")
    local_api.reply(200, {"items": []})
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    assert (
        main(argv(local_api, tmp_path, "--every", "60"), clock=lambda: 0.0, sleep=sleep)
        == 0
    )
    assert sleeps == [60, 60]


@pytest.mark.parametrize("option", [["--every", "0"], ["--page-size", "0"]])
def test_bad_options(local_api: LocalApi, tmp_path: Path, option: list[str]) -> None:
    with pytest.raises(SystemExit):
        main(argv(local_api, tmp_path, *option))


def test_runs_as_a_script(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["fetcher.py", "--help"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_path(
            str(Path(__file__).parent.parent / "fetcher.py"), run_name="__main__"
        )
    assert caught.value.code == 0
    assert "FETCHER_API_KEY" in capsys.readouterr().out
