#!/usr/bin/env bash
# Installs, with apt, what the app needs and this machine lacks. Sourced by run.sh and test.sh.
#   ensure_prerequisites redis postgres [chromium] [node]

has_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

ensure_prerequisites() {
  local missing=()
  for need in "$@"; do
    case "$need" in
      redis)    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
      postgres) has_postgres || missing+=(postgresql) ;;
      chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
      node)     command -v npm >/dev/null 2>&1 || missing+=(nodejs npm) ;;
      *) echo "unknown prerequisite: $need" >&2; return 2 ;;
    esac
  done

  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is required: https://dotnet.microsoft.com/download (then run this again)." >&2
    return 1
  fi
  [ ${#missing[@]} -eq 0 ] && { check_node_version "$@"; return; }

  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Missing: ${missing[*]}. Install them (apt-get install ${missing[*]}) or run this as root." >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing: ${missing[*]}, and there is no apt-get here to install them. Install them with your package manager," >&2
    echo "or point the AppHost at existing servers: ConnectionStrings__agentsdb=... ConnectionStrings__cache=... (see README)." >&2
    return 1
  fi
  echo "Installing ${missing[*]} with apt-get..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d exit 101 keeps the packages from starting system-wide servers: the AppHost runs its own.
  local policy=/usr/sbin/policy-rc.d created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created_policy=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  local status=$?
  [ -n "$created_policy" ] && $sudo rm -f "$policy"
  [ $status -ne 0 ] && return $status
  check_node_version "$@"
}

# The browser app (Agents.Web/ClientApp) is built with Vite, which needs Node.js 20.19 or later.
check_node_version() {
  case " $* " in *" node "*) ;; *) return 0 ;; esac
  local version
  version=$(node -p 'process.versions.node' 2>/dev/null) || { echo "node is missing: install Node.js 20.19+ (https://nodejs.org or NodeSource)." >&2; return 1; }
  local major=${version%%.*} minor=${version#*.}; minor=${minor%%.*}
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    echo "Node.js $version is too old to build the browser app: install Node.js 20.19+ (https://nodejs.org or NodeSource)." >&2
    return 1
  fi
}
