#!/usr/bin/env bash
# jobmanager.sh start-foreground [ARGS...]: the session cluster's JobManager in the foreground (the
# only mode a container needs; Flink's script of that name also daemonizes).
set -euo pipefail
[ "${1:-}" = start-foreground ] || { echo "usage: $0 start-foreground [ARGS...]" >&2; exit 2; }
shift
exec "$(dirname "$0")/flink-console.sh" standalonesession "$@"
