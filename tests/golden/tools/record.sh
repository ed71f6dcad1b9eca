#!/usr/bin/env bash
# Regenerate the golden tool outputs in tests/golden/tools/ (see README.md).
#
#   tests/golden/tools/record.sh            # uses <repo>/.venv
#   VENV=/path/to/venv tests/golden/tools/record.sh
#
# Fixtures live in src/<case>/ and are not touched. Every output directory
# (ruff/ mypy/ bandit/ radon/ junit/ coverage/) is deleted and rebuilt, so
# the script is idempotent. Each tool runs with cwd = src/<case>/ in a minimal,
# fixed environment (env -i) so that paths in the output are relative and
# nothing from the caller's shell leaks in.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$HERE/../../.." && pwd -P)"
VENV_DIR="${VENV:-.venv}"
case "$VENV_DIR" in /*) ;; *) VENV_DIR="$REPO/$VENV_DIR" ;; esac
BIN="$(cd "$VENV_DIR/bin" && pwd -P)"
MYPY_CACHE=/tmp/golden-mypy-cache

# Fixed environment for every tool run. COLUMNS pins pytest's line width,
# TZ/LANG pin timestamps and encodings, PYTHONDONTWRITEBYTECODE avoids
# __pycache__ dirs inside the fixtures.
RUN_ENV=(env -i "PATH=$BIN:/usr/bin:/bin" "HOME=${HOME:-/root}" LANG=C.UTF-8 LC_ALL=C.UTF-8
         TZ=UTC COLUMNS=80 PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0)
# pytest: no plugin autoload (only pytest_timeout, loaded explicitly), the case
# dir on sys.path, and an empty ini + --rootdir=. so the repository's own
# pyproject.toml [tool.pytest.ini_options] is not picked up (without this
# pytest uses the repo root as rootdir and test ids become
# "tests.golden.tools.src.<case>.tests..."). --confcutdir=. keeps conftest.py
# files above the case dir (e.g. ../../conftest.py) from being loaded.
PYTEST_ENV=(PYTHONPATH=. PYTEST_DISABLE_PLUGIN_AUTOLOAD=1)
PYTEST_ISOLATE=(-c ../../pytest-empty.ini --rootdir=. --confcutdir=.)

# capture STDOUT_FILE SIDECAR_BASE CMD...
#   Run CMD in the current directory. stdout -> STDOUT_FILE, exit code ->
#   SIDECAR_BASE.exitcode, stderr -> SIDECAR_BASE.stderr (only if non-empty).
capture() {
    local out=$1 base=$2 rc=0
    shift 2
    "${RUN_ENV[@]}" "$@" >"$out" 2>"$base.stderr" || rc=$?
    printf '%s\n' "$rc" >"$base.exitcode"
    [ -s "$base.stderr" ] || rm -f "$base.stderr"
}

# record OUT CMD...   (stdout is the golden file itself)
record() {
    local out=$1
    shift
    capture "$out" "$out" "$@"
}

# record_side OUT CMD...   (the tool writes OUT itself; its stdout -> OUT.stdout,
#                           removed if empty)
record_side() {
    local out=$1
    shift
    capture "$out.stdout" "$out" "$@"
    [ -s "$out.stdout" ] || rm -f "$out.stdout"
}

# scrub FILE CASE_DIR [REGEX REPLACEMENT]...
#   Replace the absolute case dir with /sandbox (ruff JSON and pytest tracebacks
#   print absolute paths) and the venv / stdlib prefixes with /venv and
#   /python; then apply each REGEX -> REPLACEMENT, failing if a regex does not
#   match at all (so a format change is noticed).
scrub() {
    "$BIN/python" - "$BIN/.." "$@" <<'PY'
import os, re, sys, sysconfig
venv, path, case_dir, *pairs = sys.argv[1:]
data = open(path, "rb").read()
literal = [
    (os.path.realpath(case_dir), "/sandbox"),
    (os.path.abspath(case_dir), "/sandbox"),
    (os.path.realpath(venv), "/venv"),
    (os.path.abspath(venv), "/venv"),
    (os.path.realpath(sysconfig.get_paths()["stdlib"]), "/python/lib"),
]
for old, new in literal:
    data = data.replace(old.encode(), new.encode())
for pattern, replacement in zip(pairs[::2], pairs[1::2]):
    data, n = re.subn(pattern.encode(), lambda _m: replacement.encode(), data)
    if n == 0:
        sys.exit(f"scrub: no match for {pattern!r} in {path}")
open(path, "wb").write(data)
PY
}

clean_caches() {
    rm -rf "$MYPY_CACHE"
    find "$HERE" \( -name __pycache__ -o -name .pytest_cache -o -name .mypy_cache \
        -o -name .ruff_cache -o -name '.coverage' -o -name '.coverage.*' \) -prune \
        -exec rm -rf {} +
}

files_for() {  # all Python files of a case, as passed to ruff / mypy / radon
    case $1 in
        clean | messy) echo "records.py tests/test_records.py" ;;
        syntax) echo "helpers.py records.py" ;;
        notutf8) echo "ok.py records.py" ;;
    esac
}

src_files_for() {  # the same without tests, as passed to bandit
    case $1 in
        clean | messy) echo "records.py" ;;
        syntax) echo "helpers.py records.py" ;;
        notutf8) echo "ok.py records.py" ;;
    esac
}

cd "$HERE"
clean_caches
rm -rf ruff mypy bandit radon junit coverage
mkdir -p ruff mypy bandit radon junit coverage

for case in clean messy syntax notutf8; do
    cd "$HERE/src/$case"
    read -r -a files <<<"$(files_for "$case")"
    read -r -a src_files <<<"$(src_files_for "$case")"

    record "../../ruff/$case.json" \
        "$BIN/ruff" check --isolated --no-cache --ignore-noqa --output-format json \
        --target-version py311 --select E,F,B,UP,SIM,C4,I "${files[@]}"
    scrub "../../ruff/$case.json" .

    record "../../mypy/$case.json" \
        "$BIN/python" -m mypy --output json --strict --no-error-summary --show-column-numbers \
        --show-error-codes --ignore-missing-imports --cache-dir "$MYPY_CACHE" \
        --config-file ../../mypy-empty.ini "${files[@]}"
    scrub "../../mypy/$case.json" .

    record "../../bandit/$case.json" \
        "$BIN/python" -m bandit -f json -q --ignore-nosec "${src_files[@]}"
    scrub "../../bandit/$case.json" . \
        '"generated_at": "[^"]*"' '"generated_at": "2026-01-01T00:00:00Z"'

    record "../../radon/cc_$case.json" "$BIN/python" -m radon cc -j -s "${files[@]}"
    scrub "../../radon/cc_$case.json" .
    record "../../radon/mi_$case.json" "$BIN/python" -m radon mi -j -s "${files[@]}"
    scrub "../../radon/mi_$case.json" .
done

for case in clean messy collect_error timeout; do
    cd "$HERE/src/$case"
    record_side "../../junit/$case.xml" \
        "${PYTEST_ENV[@]}" "$BIN/python" -m pytest -p no:cacheprovider -q \
        --junitxml="../../junit/$case.xml" -o junit_family=xunit2 -p pytest_timeout --timeout=2 \
        "${PYTEST_ISOLATE[@]}" tests
    scrub "../../junit/$case.xml" . \
        ' timestamp="[^"]*"' ' timestamp="2026-01-01T00:00:00.000000+00:00"' \
        ' hostname="[^"]*"' ' hostname="grader"'
    if [ -e "../../junit/$case.xml.stdout" ]; then scrub "../../junit/$case.xml.stdout" .; fi
done

for case in clean messy; do
    cd "$HERE/src/$case"
    rm -f .coverage
    capture "../../coverage/$case.run.stdout" "../../coverage/$case.run" \
        "${PYTEST_ENV[@]}" "$BIN/python" -m coverage run --branch --source=. --omit='tests/*' \
        -m pytest -p no:cacheprovider -q "${PYTEST_ISOLATE[@]}" tests
    scrub "../../coverage/$case.run.stdout" .
    record_side "../../coverage/$case.json" "$BIN/python" -m coverage json -o "../../coverage/$case.json"
    scrub "../../coverage/$case.json" . '"timestamp": "[^"]*"' '"timestamp": "2026-01-01T00:00:00.000000"'
    rm -f .coverage
done

# Garbage / crash outputs: what the tools print when the command itself is bad.
cd "$HERE/src/clean"
capture ../../ruff/garbage.stdout ../../ruff/garbage \
    "$BIN/ruff" check --isolated --no-cache --output-format json --select NOPE1 records.py
mv ../../ruff/garbage.stderr ../../ruff/garbage.txt
mv ../../ruff/garbage.exitcode ../../ruff/garbage.txt.exitcode
[ -s ../../ruff/garbage.stdout ] || rm -f ../../ruff/garbage.stdout
capture ../../mypy/crash.stdout ../../mypy/crash \
    "$BIN/python" -m mypy --output json --strict --no-such-flag records.py
mv ../../mypy/crash.stderr ../../mypy/crash.txt
mv ../../mypy/crash.exitcode ../../mypy/crash.txt.exitcode
[ -s ../../mypy/crash.stdout ] || rm -f ../../mypy/crash.stdout

cd "$HERE"
clean_caches
echo "golden tool outputs regenerated in $HERE"
