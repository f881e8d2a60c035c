# Sourced by the bench's scripts (run.sh, idle_cpu.sh) from the repository's root: how they start our app and the
# load generator, so every script measures the same thing.

# The generator is the instrument, the same for every server, and it must keep up: at 80 msg/s to 1,000 receivers it
# takes 80,000 frames a second on one core. Socket completions run on the epoll thread (no thread-pool hop per frame;
# its receive handlers never block), and its thread pool does not spin (LoadGen.csproj).
loadgen=(env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 taskset -c 0 dotnet "$(pwd)/bench/realtime/LoadGen/bin/Release/net10.0/LoadGen.dll")

# What the AppHost prints once every resource is up.
agents_ready="All resources are running and healthy"

# start_agents_app <log> [NAME=VALUE...]: the app as it ships, with two changes for a broadcast benchmark: the per-user
# limits are raised (one sender sends everything; receivers share users), and no agent worker runs (so no agent turn
# per message; see README). Everything the AppHost starts (Api, Realtime, Web, Postgres, Redis, and the AppHost's
# dashboard) runs on the server core, so our server gets one core in all, as each peer does, and the generator has its
# core to itself. Sets app_pid (the AppHost, leader of its own process group).
start_agents_app() {
  local log=$1; shift
  env "$@" Realtime__MessagesPerSecond=10000 Realtime__MessageBurst=10000 Realtime__RequestsPerSecond=10000 Agent__Workers=0 \
    setsid taskset -c 1 dotnet run --project Agents.AppHost -c Release --no-build >"$log" 2>&1 &
  app_pid=$!
}
