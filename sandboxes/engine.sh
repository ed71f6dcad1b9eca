#!/usr/bin/env bash
# Make sure a Docker engine answers, for the Docker sandbox.
#
# - An engine that answers (local socket or DOCKER_HOST) is used as it is:
#   never restarted, never reconfigured.
# - Otherwise, on a Debian machine as root: install docker.io (and debootstrap,
#   which `grader sandbox build` uses for the base image) when missing, start
#   `dockerd --bridge=none --iptables=false --ip-masq=false` in the background
#   (sandboxes have no network, so no bridge is needed), and wait until it answers.
set -euo pipefail

LOG=/var/log/grader-dockerd.log

answers() {
    command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

install_missing() {
    local missing=()
    command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "engine: ${missing[*]} missing; install them (Debian: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "engine: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
}

if answers; then
    command -v debootstrap >/dev/null 2>&1 || install_missing
    echo "engine: Docker $(docker version --format '{{.Server.Version}}') answers"
    exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
    echo "engine: DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local engine" >&2
    exit 1
fi
install_missing
if pgrep -x dockerd >/dev/null 2>&1; then
    echo "engine: dockerd is running but not answering yet; waiting (not restarting it)"
else
    echo "engine: starting dockerd (log: $LOG)"
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false >"$LOG" 2>&1 < /dev/null &
fi
for _ in $(seq 90); do
    if answers; then
        echo "engine: Docker $(docker version --format '{{.Server.Version}}') answers"
        exit 0
    fi
    sleep 1
done
echo "engine: dockerd did not answer within 90 s; see $LOG" >&2
exit 1
