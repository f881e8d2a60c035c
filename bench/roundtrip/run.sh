#!/usr/bin/env bash
# Message round trip over the real app: starts the AppHost, measures N messages (default 1000), stops it.
#   bench/roundtrip/run.sh [messages]
# The per-user send limit is raised for the run (Realtime__MessagesPerSecond): one user sends them all, one at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The AppHost runs Postgres and Redis from their installed binaries: install what this machine lacks.
source scripts/prerequisites.sh
ensure_prerequisites redis postgres
messages=${1:-1000}
# Release builds: the figures are for the code as it would ship.
dotnet build Agents.AppHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/roundtrip -c Release -nologo -clp:ErrorsOnly >/dev/null

source bench/apphost.sh
Realtime__MessagesPerSecond=10000 Realtime__MessageBurst=10000 start_apphost
dotnet bench/roundtrip/bin/Release/net10.0/RoundTrip.dll http://localhost:5080 "$messages"
