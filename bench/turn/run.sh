#!/usr/bin/env bash
# The agent turn under load: starts the AppHost (Release, built-in engine), 100 users each send to their own thread at
# a fixed rate stepped up; prints send -> ack and send -> agent reply p50/p99 per step and the highest rate held with
# the reply p99 under 250 ms; writes bench/turn/results/<UTC time>.json; stops the app.
#   bench/turn/run.sh [users] [rates per user, comma list] [step seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
# The AppHost runs Postgres and Redis from their installed binaries: install what this machine lacks.
source scripts/prerequisites.sh
ensure_prerequisites redis postgres
users=${1:-100}
rates=${2:-0.2,0.5,1,2,4}
step_seconds=${3:-10}
dotnet build Agents.AppHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/turn -c Release -nologo -clp:ErrorsOnly >/dev/null

source bench/apphost.sh
# Default limits (10 messages/s per user) hold for these rates; only the connection count per user is as shipped too.
start_apphost
mkdir -p bench/turn/results
dotnet bench/turn/bin/Release/net10.0/AgentTurn.dll http://localhost:5080 "$users" "$rates" "$step_seconds" \
  "bench/turn/results/$(date -u +%Y-%m-%dT%H%MZ).json"
