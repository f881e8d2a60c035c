#!/usr/bin/env bash
# Message round trip over the real app: starts the AppHost, measures N messages (default 1000), stops it.
#   bench/roundtrip/run.sh [messages]
# The per-user send limit is raised for the run (Realtime__MessagesPerSecond): one user sends them all, one at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${1:-1000}
# Release builds: the figures are for the code as it would ship.
dotnet build Agents.AppHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/roundtrip -c Release -nologo -clp:ErrorsOnly >/dev/null

log=$(mktemp)
Realtime__MessagesPerSecond=10000 Realtime__MessageBurst=10000 setsid dotnet run --project Agents.AppHost -c Release --no-build >"$log" 2>&1 &
apphost=$!
trap 'kill -TERM -- -$apphost 2>/dev/null || true; wait $apphost 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  grep -q "All resources are running and healthy" "$log" && break
  if grep -q "The app is not fully up\|cannot start" "$log"; then cat "$log"; exit 1; fi
  sleep 0.1
done
grep -q "All resources are running and healthy" "$log" || { echo "The app did not come up:"; tail -50 "$log"; exit 1; }
dotnet bench/roundtrip/bin/Release/net10.0/RoundTrip.dll http://localhost:5080 "$messages"
