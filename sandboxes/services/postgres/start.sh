#!/bin/sh
# Start a fresh copy of the template in this sidecar's tmpfs; fast and forgetful by design
# (no fsync: the data lives as long as one grading).
set -eu
cp -a /opt/grader/pg-template/data /pgdata/data
chmod 0700 /pgdata/data
exec postgres -D /pgdata/data -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=40 -c shared_buffers=32MB
