#!/usr/bin/env bash
# Installs what is missing (Redis, PostgreSQL server binaries, Node.js for the browser app's build), then runs the whole app under the AppHost.
# The front door is printed when everything is healthy: http://localhost:5080
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
ensure_prerequisites redis postgres node
exec dotnet run --project Agents.AppHost "$@"
