#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster (cluster.sh) started for it and stopped
# after it, whatever its outcome: MEMORYD_TEST_DATABASE_URL holds the cluster's URL. A URL given
# already in MEMORYD_TEST_DATABASE_URL is used as it is, and nothing is started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${MEMORYD_TEST_DATABASE_URL:-}" ]; then exec "$@"; fi
dir=$(mktemp -d /tmp/memoryd-pg.XXXXXX)
trap '"$here/cluster.sh" stop "$dir"' EXIT
MEMORYD_TEST_DATABASE_URL=$("$here/cluster.sh" start "$dir")
export MEMORYD_TEST_DATABASE_URL
"$@"
