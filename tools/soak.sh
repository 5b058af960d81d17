#!/usr/bin/env bash
# The soak (not in CI): a real `credits serve` under mixed load for MINUTES (default 30), its
# PostgreSQL restarted every RESTART minutes (default 5, down 5 s each time). Every write carries
# an Idempotency-Key and is retried until acknowledged; at the end every balance must equal what
# the acknowledged writes add up to and `verify` must be clean. Prints the figures (operations,
# latencies, 503s, the server's resident memory) and writes them to
# credits-cli/target/soak-report.txt. docs/operations.md has the last run's.
#
#   tools/soak.sh            # 30 minutes
#   tools/soak.sh 10 2       # 10 minutes, a restart every 2
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-30}"
RESTART="${2:-5}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl credits-cli surefire:test -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcredits.excludedGroups=none -Dcredits.forkTimeoutSeconds=$(( (MINUTES + 30) * 60 )) \
  -Dsoak.minutes="$MINUTES" -Dsoak.restart.minutes="$RESTART" \
  || { tail -n 60 credits-cli/target/surefire-reports/dev.credits.cli.SoakTest-output.txt >&2; exit 1; }
cat credits-cli/target/soak-report.txt
