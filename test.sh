#!/usr/bin/env bash
# Installs what is missing (Redis, PostgreSQL server binaries, Chromium), builds, and runs every test.
# Extra arguments go to dotnet test, e.g. ./test.sh --filter "FullyQualifiedName~Unit"
set -uo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
ensure_prerequisites redis postgres chromium || exit 1

dotnet build Agents.sln -nologo -clp:ErrorsOnly || exit 1

log=$(mktemp)
dotnet test Agents.sln --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One plain summary line over every test assembly: "tests: N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
