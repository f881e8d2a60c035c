#!/usr/bin/env bash
# What idle clients cost Realtime: the AppHost as the bench starts it (everything on core 1), the load generator on
# core 0 opening 100, then IDLE (default 1000,5000) idle /ws connections, as for the bench's memory figures; then, with
# all of them open and answering pings, Realtime's CPU (and the whole app's) over WINDOW seconds (default 60), and the
# idle heap compactions it ran.
#   bench/realtime/idle_cpu.sh                    as the app ships
#   bench/realtime/idle_cpu.sh NAME=VALUE ...     with settings for the AppHost (Realtime__WebSocketPingInterval=01:00:00)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/prerequisites.sh
ensure_prerequisites redis postgres
idle=${IDLE:-1000,5000}
window=${WINDOW:-60}
ulimit -n "$(ulimit -Hn)"
if [ "$(nproc)" -lt 2 ]; then echo "needs 2 cores (one for the generator, one for the app)"; exit 1; fi
for port in 5080 18888; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: stop what listens there first"; exit 1; fi
done
dotnet build Agents.AppHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/realtime/LoadGen -c Release -nologo -clp:ErrorsOnly >/dev/null

source bench/realtime/common.sh
app_log=$(mktemp); gen_log=$(mktemp)
start_agents_app "$app_log" "$@"
trap 'kill -TERM -- -$app_pid 2>/dev/null || true; wait $app_pid 2>/dev/null || true; rm -f "$app_log" "$gen_log"' EXIT
for _ in $(seq 1 900); do grep -q "$agents_ready" "$app_log" && break; sleep 0.1; done
grep -q "$agents_ready" "$app_log" || { echo "the app did not start:"; tail -40 "$app_log"; exit 1; }

# The generator's turn opens the idle connections and holds them; its broadcast steps after that are a formality here.
"${loadgen[@]}" turn \
  --target agents-ws --root-pid "$app_pid" --server-match Agents.Realtime.dll --clients 10 --size 256 --rates 5 --step-seconds 1 \
  --min-messages 5 --idle "$idle" --hold-idle-seconds $((window + 20)) --out /dev/null >"$gen_log" 2>&1 &
generator=$!
for _ in $(seq 1 3000); do grep -q "holding them" "$gen_log" && break; sleep 0.2; done
grep -q "holding them" "$gen_log" || { echo "the generator did not get its connections open:"; tail -20 "$gen_log"; exit 1; }
sleep 10 # past the compaction that follows the burst of connections

realtime=$(pgrep -f Agents.Realtime.dll | head -1)
ticks() { awk '{s += $14 + $15} END {print s}' "$@" 2>/dev/null; }
app_pids() { for p in $(pgrep -f "Agents\.|postgres|redis-server"); do echo "/proc/$p/stat"; done; }
compactions() { grep -c "Idle heap compaction" "$app_log" || true; }
r0=$(ticks "/proc/$realtime/stat"); a0=$(ticks $(app_pids)); c0=$(compactions)
sleep "$window"
r1=$(ticks "/proc/$realtime/stat"); a1=$(ticks $(app_pids)); c1=$(compactions)
hz=$(getconf CLK_TCK)
grep "idle connections:" "$gen_log" | sed 's/^ */memory: /'
awk -v r=$((r1 - r0)) -v a=$((a1 - a0)) -v hz="$hz" -v w="$window" -v c=$((c1 - c0)) -v n="${idle##*,}" 'BEGIN {
  printf "with %d idle /ws connections open, over %d s: Realtime %.1f ms of CPU a second, the whole app %.1f; %d idle heap compactions\n",
    n, w, 1000 * r / hz / w, 1000 * a / hz / w, c }'
wait "$generator" || true
