#!/usr/bin/env bash
# The hub against Socket.IO and ws: each server alone in its turn, pinned to core 1 (for ours, everything the AppHost
# starts), the load generator alone on core 0; the order rotates across repeats; the summary (medians) goes to
# bench/realtime/results/<UTC time>.json.
#   bench/realtime/run.sh            full run: N=1000 receivers, 256-byte messages, rates stepped, 3 repeats
#   bench/realtime/run.sh --quick    smoke run: 200 receivers, 3 short steps, 1 repeat (results/...-quick.json)
# Override with CLIENTS, SIZE, RATES (comma list), STEP_SECONDS, MIN_MESSAGES (per step), REPEATS, IDLE (comma list), SERVERS (space list);
# RECEIVE_SPIN_US: how long the generator's reader stays awake after a copy (LoadGen's default 100 µs; 0: the instrument before run 2026-12-05T2015Z);
# HOLD_IDLE=<seconds> keeps the idle connections open that long after measuring them (to look inside with bench/heapstat).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The AppHost runs Postgres and Redis from their installed binaries: install what this machine lacks.
source scripts/prerequisites.sh
ensure_prerequisites redis postgres node
quick=""
if [ "${1:-}" = "--quick" ]; then quick="-quick"; fi
clients=${CLIENTS:-$([ -n "$quick" ] && echo 200 || echo 1000)}
size=${SIZE:-256}
rates=${RATES:-$([ -n "$quick" ] && echo 20,80,320 || echo 5,10,20,40,80,160,320,640)}
step_seconds=${STEP_SECONDS:-$([ -n "$quick" ] && echo 3 || echo 6)}
min_messages=${MIN_MESSAGES:-$([ -n "$quick" ] && echo 30 || echo 150)}
repeats=${REPEATS:-$([ -n "$quick" ] && echo 1 || echo 3)}
idle=${IDLE:-$([ -n "$quick" ] && echo 500 || echo 1000,5000)}
read -r -a servers <<<"${SERVERS:-agents-json agents-msgpack agents-ws socket.io ws}"

# 5,000 idle connections (and the generator's side of them) need more descriptors than the usual soft limit.
ulimit -n "$(ulimit -Hn)"
if [ "$(nproc)" -lt 2 ]; then echo "needs 2 cores (one for the generator, one for the server)"; exit 1; fi

echo "building (Release) and installing the peers' packages..."
dotnet build Agents.AppHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/realtime/LoadGen -c Release -nologo -clp:ErrorsOnly >/dev/null
(cd bench/realtime/peers/socketio && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
(cd bench/realtime/peers/ws && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
source bench/realtime/common.sh

stamp=$(date -u +%Y-%m-%dT%H%MZ)$quick
# Each turn's own figures (every step) are kept beside the summary.
raw="bench/realtime/results/$stamp"
mkdir -p "$raw"
log=$(mktemp)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    # SIGTERM, not SIGINT: background jobs of a script ignore SIGINT. The AppHost stops its children on either.
    kill -TERM -- -"$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -f "$log"' EXIT
for port in 3101 3102 5080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: stop what listens there first"; exit 1; fi
done

start_server() { # name -> sets server_pid, match, url
  : >"$log"
  case "$1" in
    agents-*)
      # Realtime's CPU is "the server"; the others' is reported beside it.
      start_agents_app "$log"
      server_pid=$app_pid; match="Agents.Realtime.dll"; url=""; ready=$agents_ready;;
    socket.io)
      PORT=3101 setsid taskset -c 1 node bench/realtime/peers/socketio/server.js >"$log" 2>&1 &
      server_pid=$!; match="server.js"; url="ws://127.0.0.1:3101/"; ready="listening";;
    ws)
      PORT=3102 setsid taskset -c 1 node bench/realtime/peers/ws/server.js >"$log" 2>&1 &
      server_pid=$!; match="server.js"; url="ws://127.0.0.1:3102/"; ready="listening";;
  esac
  for _ in $(seq 1 900); do
    if grep -q "$ready" "$log"; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null || grep -q "The app is not fully up\|cannot start" "$log"; then break; fi
    sleep 0.1
  done
  echo "$1 did not start:"; tail -40 "$log"; exit 1
}

for repeat in $(seq 1 "$repeats"); do
  for i in "${!servers[@]}"; do
    name=${servers[$(( (i + repeat - 1) % ${#servers[@]} ))]}
    echo "== repeat $repeat: $name"
    start_server "$name"
    sleep 2
    "${loadgen[@]}" turn --target "$name" --root-pid "$server_pid" --server-match "$match" ${url:+--url "$url"} \
      --clients "$clients" --size "$size" --rates "$rates" --step-seconds "$step_seconds" --min-messages "$min_messages" --idle "$idle" --hold-idle-seconds "${HOLD_IDLE:-0}" \
      ${RECEIVE_SPIN_US:+--receive-spin-us "$RECEIVE_SPIN_US"} \
      --out "$raw/$(printf %02d "$repeat")-$i-$name.json"
    stop_server
  done
done

out="bench/realtime/results/$stamp.json"
"${loadgen[@]}" summarize --dir "$raw" --out "$out" --node-version "$(node --version)" \
  --note "${NOTE:-2-core machine shared with the builds and tests of other engineers: compare servers within this run, not across runs; load averages are recorded per step}"
echo "results: $out"
