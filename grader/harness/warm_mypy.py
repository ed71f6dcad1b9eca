"""Bakes mypy's cache of the standard library (and typed course libraries) into the image.

mypy on a new file spends most of its time on the modules it imports. The
image keeps one cache per set of flags the grader uses (the flags are part of
the cache key), and the sandbox copies the matching one into each workspace.
``COMMON`` and ``VARIANTS`` must match ``grader.checks.typecheck``; a test
holds them together. Stdlib only, apart from mypy itself.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

COMMON = (
    "--no-error-summary",
    "--show-column-numbers",
    "--show-error-codes",
    "--no-pretty",
    "--explicit-package-bases",
    "--python-version",
    "3.11",
)
VARIANTS = {
    "mypy": (),
    "mypy-strict": ("--strict",),
    "mypy-ignore-missing": ("--ignore-missing-imports",),
    "mypy-strict-ignore-missing": ("--strict", "--ignore-missing-imports"),
}
"""Cache folder name (as ``grader.checks.typecheck.cache_name`` gives it) -> its extra flags."""

MODULES = [
    "abc",
    "argparse",
    "asyncio",
    "base64",
    "bisect",
    "collections",
    "concurrent.futures",
    "contextlib",
    "copy",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "gc",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "http",
    "importlib",
    "io",
    "itertools",
    "json",
    "logging",
    "math",
    "multiprocessing",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "random",
    "re",
    "shutil",
    "signal",
    "socket",
    "sqlite3",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "timeit",
    "tracemalloc",
    "typing",
    "unittest",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "zipfile",
    "numpy",
    "pydantic",
    "sqlalchemy",
    "fastapi",
    "httpx",
    "structlog",
    "pytest",
]


def main() -> None:
    """``warm_mypy.py CACHE_ROOT``: one cache folder per variant under CACHE_ROOT."""
    root = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "warm.py"
        source.write_text("".join(f"import {name}\n" for name in MODULES))
        config = Path(scratch) / "mypy.ini"
        config.write_text("[mypy]\n")
        for name, flags in VARIANTS.items():
            argv = [sys.executable, "-m", "mypy", "--config-file", str(config), "--output", "json"]
            argv += [*COMMON, "--cache-dir", str(root / name), *flags, str(source)]
            # mypy on a file this script wrote, with fixed flags.
            run = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=scratch)  # nosec B603
            if run.returncode not in (0, 1):
                sys.exit(f"mypy failed while warming {name}: {run.stderr[-500:]}")


if __name__ == "__main__":
    main()
