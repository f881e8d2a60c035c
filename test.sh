#!/usr/bin/env bash
# Installs what is missing (Redis, PostgreSQL server binaries, Chromium, Node.js), builds, and runs every test:
# the .NET tests (unit, integration, end-to-end, real browser) and the browser app's Vitest tests.
# Extra arguments go to dotnet test, e.g. ./test.sh --filter "FullyQualifiedName~Unit" (a --filter skips Vitest
# unless RUN_VITEST=1).
set -uo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
ensure_prerequisites redis postgres chromium node || exit 1

# Building Agents.Web also builds the browser app (npm ci when node_modules is missing, then vite build).
dotnet build Agents.sln -nologo -clp:ErrorsOnly || exit 1

log=$(mktemp)
vitest_json=$(mktemp)
echo '{}' >"$vitest_json"
vitest_status=0
if [[ " $* " != *" --filter "* || "${RUN_VITEST:-}" == 1 ]]; then
  echo "Vitest (Agents.Web/ClientApp):"
  (cd Agents.Web/ClientApp && npx --no-install vitest run --reporter=default --reporter=json --outputFile="$vitest_json")
  vitest_status=$?
fi

dotnet test Agents.sln --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One plain summary line over every test assembly and Vitest: "tests: N passed, N failed, N skipped".
vitest_counts=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(r.numPassedTests ?? 0, r.numFailedTests ?? 0, (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0));' "$vitest_json" 2>/dev/null || echo "0 0 0")
awk -v vitest="$vitest_counts" '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { split(vitest, v, " "); printf "tests: %d passed, %d failed, %d skipped\n", p + v[1], f + v[2], s + v[3] }' "$log"
rm -f "$log" "$vitest_json"
[ "$vitest_status" -ne 0 ] && [ "$status" -eq 0 ] && status=$vitest_status
exit "$status"
