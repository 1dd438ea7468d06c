#!/usr/bin/env bash
# config-parser-utils.sh CONF_DIR BIN_DIR LIB_DIR [-Dkey=value | -repKV key,old,new | -rmKV key=value]...
# Rewrites CONF_DIR/config.yaml with the changes, as Flink's script of that name does (the official
# image's docker-entrypoint.sh calls it with FLINK_PROPERTIES).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 CONF_DIR BIN_DIR LIB_DIR [ARGS...]" >&2; exit 2; }
FLINK_CONF_DIR=$1 FLINK_LIB_DIR=$3
shift 3
. "$(dirname "$0")/config.sh"
result=$(bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION "$@")
[ -n "$result" ] || { echo "config-parser-utils.sh: no configuration came back" >&2; exit 1; }
printf '%s\n' "$result" > "$FLINK_CONF_DIR/config.yaml"
