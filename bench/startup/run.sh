#!/usr/bin/env bash
# Cold start of the whole app: from `dotnet run --project Agents.AppHost` (after a build) to the AppHost's
# "All resources are running and healthy" line, N times (default 3); prints each run and the median.
#   bench/startup/run.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
# The AppHost runs Postgres and Redis from their installed binaries: install what this machine lacks.
source scripts/prerequisites.sh
ensure_prerequisites redis postgres
runs=${1:-3}
dotnet build Agents.AppHost -nologo -clp:ErrorsOnly >/dev/null

times=()
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  start=$(date +%s.%N)
  setsid dotnet run --project Agents.AppHost >"$log" 2>&1 &
  pid=$!
  ready=""
  for _ in $(seq 1 600); do
    if grep -q "All resources are running and healthy" "$log"; then ready=$(date +%s.%N); break; fi
    if grep -q "The app is not fully up\|cannot start" "$log"; then break; fi
    sleep 0.05
  done
  # SIGTERM, not SIGINT: a script's background jobs ignore SIGINT. The AppHost treats both alike.
  kill -TERM -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -z "$ready" ]; then echo "run $i: the app did not come up; its log:"; cat "$log"; rm -f "$log"; exit 1; fi
  inside=$(grep -o "healthy after [0-9.]* s" "$log" | grep -o "[0-9.]*")
  total=$(echo "$ready - $start" | bc)
  printf "run %d: %.2f s from launch to all healthy (%s s inside the AppHost)\n" "$i" "$total" "$inside"
  times+=("$total")
  rm -f "$log"
done
median=$(printf "%s\n" "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
printf "median of %d: %.2f s\n" "$runs" "$median"
