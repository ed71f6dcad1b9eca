"""Ends the calling user's processes in the sandbox, reports free space, and cleans up after a step.

Run by the host after every step that ran the student's code, as the
student's user: ``kill(-1)`` reaches every process of that user (daemons,
orphans, a fork bomb's children) and nothing else, and it is repeated until
none is left. Then it prints one JSON line with the free space of the
writable folders (a full one is the step's ``disk full``) and deletes what
the step left there. Stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

ROUNDS = 500


def _others(me: int, uid: int) -> int:
    """Live processes of ``uid`` other than this one (zombies are dead already)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            count += 1
    return count


def kill_all() -> bool:
    """SIGKILL every other process of this user; True once none is left."""
    me, uid = os.getpid(), os.getuid()
    for _ in range(ROUNDS):
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        if _others(me, uid) == 0:
            return True
        time.sleep(0.002)
    return False


def free_space(folders: list[str]) -> dict[str, int]:
    """The free bytes of each folder."""
    free = {}
    for folder in folders:
        stat = os.statvfs(folder)
        free[folder] = stat.f_bavail * stat.f_frsize
    return free


def clean(folders: list[str], keep: set[str]) -> int:
    """Delete what this user left in ``folders`` except ``keep``: nothing carries over to the next step."""
    uid = os.getuid()
    removed = 0
    for folder in folders:
        for root, dirs, files in os.walk(folder, topdown=False):
            for name in files + dirs:
                path = Path(root) / name
                if str(path) in keep:
                    continue
                with contextlib.suppress(OSError):
                    if path.lstat().st_uid != uid:
                        continue
                    if name in dirs and not path.is_symlink():
                        path.rmdir()
                    else:
                        path.unlink()
                    removed += 1
    return removed


def main() -> None:
    """``probe.py [--kill] [--clean FOLDER]... [--keep PATH]... FOLDER...``

    Kills first, then reads the free space of the FOLDERs, then
    cleans: so the reading shows what the step left, and the next step starts clean.
    """
    args = sys.argv[1:]
    report: dict[str, object] = {}
    if args[:1] == ["--kill"]:
        args = args[1:]
        report["all_killed"] = kill_all()
    cleaned: list[str] = []
    keep: set[str] = set()
    while len(args) > 1 and args[0] in ("--clean", "--keep"):
        if args[0] == "--clean":
            cleaned.append(args[1])
        else:
            keep.add(args[1])
        args = args[2:]
    report["free"] = free_space(args)
    if cleaned:
        report["cleaned"] = clean(cleaned, keep)
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
