#!/usr/bin/env bash
# Scale-mode CI (issue 9): PostgreSQL and Redis on 127.0.0.1 — started here if they are not running — then, against
# them: the port contract suites (store on PostgreSQL, limits on Redis, queue on BullMQ), the adapters' integration
# tests, the faces' integration tests (each test app on a fresh database and Redis key prefix, see
# test/helpers/scale.ts), the API fuzzer (test/fuzz) and the multi-process test (test/e2e/scale.e2e.test.ts).
#
# Run from .ci/run after `npm ci` (or alone on a checkout with node_modules): .ci/scale.sh
# Without this script the same suites skip themselves (MARU_TEST_DATABASE_URL / MARU_TEST_REDIS_URL unset), so
# `npm test` needs neither service.
set -euo pipefail
cd "$(dirname "$0")/.."
# The pinned Node.js 24 (node_modules/.bin/node) must run vitest and the servers it spawns, not the system node.
export PATH="$PWD/node_modules/.bin:$PATH"

export MARU_TEST_DATABASE_URL="${MARU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export MARU_TEST_REDIS_URL="${MARU_TEST_REDIS_URL:-redis://127.0.0.1:6379}"

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up; then
  echo "scale: starting PostgreSQL" >&2
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 60); do pg_up && break; sleep 0.5; done
  pg_up || { echo "scale: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi

if ! redis_up; then
  echo "scale: starting Redis" >&2
  redis-server --daemonize yes --port 6379 --bind 127.0.0.1 --save "" --appendonly no
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || { echo "scale: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
fi

# The pinned Node.js 24 (the "node" devDependency) first on PATH, as npm scripts have it: vitest's shebang finds it.
export PATH="$PWD/node_modules/.bin:$PATH"
vitest=node_modules/.bin/vitest

status=0
step() {
  echo "scale: $*" >&2
  "$@" || status=1
}

# 1. Contract suites and the adapters' own integration tests.
step "$vitest" run test/contract src/platform/db/postgres.store.integration.test.ts

# 2. The faces' (and the campaign engine's) integration tests on PostgreSQL and Redis. Every test app creates its own
#    database (from a migrated template) and key prefix, so two test processes do not meet: 280 s instead of 451 s
#    with one on this 2-core machine (2026-12-03).
step "$vitest" run --maxWorkers=2 test/faces test/campaigns

# 3. The API fuzzer (test/fuzz) on PostgreSQL: no 5xx, documented answers, refusals change nothing.
step "$vitest" run --maxWorkers=1 test/fuzz

# 4. Two API processes and two workers on one PostgreSQL and Redis, a worker killed mid-run.
step "$vitest" run test/e2e/scale.e2e.test.ts

# Each test drops the database and deletes the Redis keys it created.
exit "$status"
