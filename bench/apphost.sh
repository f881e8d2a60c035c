# Sourced by the benches that drive the whole app: starts the AppHost (Release, already built) in the background, waits
# until every resource is healthy, and stops it (with everything it started) when the script exits.
#   start_apphost [taskset -c N]    environment variables set before the call reach the AppHost and, through it, the services
apphost_log=$(mktemp)
apphost_pid=""

stop_apphost() {
  if [ -n "$apphost_pid" ]; then
    # SIGTERM, not SIGINT: background jobs of a script ignore SIGINT. The AppHost stops its children on either.
    kill -TERM -- -"$apphost_pid" 2>/dev/null || true
    wait "$apphost_pid" 2>/dev/null || true
    apphost_pid=""
  fi
}
trap 'stop_apphost; rm -f "$apphost_log"' EXIT

start_apphost() {
  setsid "$@" dotnet run --project Agents.AppHost -c Release --no-build >"$apphost_log" 2>&1 &
  apphost_pid=$!
  for _ in $(seq 1 600); do
    grep -q "All resources are running and healthy" "$apphost_log" && return 0
    if grep -q "The app is not fully up\|cannot start" "$apphost_log"; then cat "$apphost_log"; exit 1; fi
    sleep 0.1
  done
  echo "The app did not come up:"; tail -50 "$apphost_log"; exit 1
}
