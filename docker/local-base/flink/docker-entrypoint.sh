#!/usr/bin/env bash
# The official Flink image's /docker-entrypoint.sh, for the local base (Dockerfile.flink): the same
# commands and settings, so images and compose files work on either base.
#   jobmanager [ARGS...]    the session cluster's JobManager (bin/jobmanager.sh start-foreground)
#   taskmanager [ARGS...]   a TaskManager (bin/taskmanager.sh start-foreground)
#   help                    this text
#   anything else           run as given (as user flink when started as root)
# Settings: JOB_MANAGER_RPC_ADDRESS (default the container's host name),
# TASK_MANAGER_NUMBER_OF_TASK_SLOTS, FLINK_PROPERTIES (one "key: value" per line, added to
# conf/config.yaml; whitespace removed and variables expanded, as the official image does).
# Not here: standalone-job and history-server (no application mode in this base), jemalloc,
# ENABLE_BUILT_IN_PLUGINS.
set -euo pipefail
JOB_MANAGER_RPC_ADDRESS=${JOB_MANAGER_RPC_ADDRESS:-$(hostname -f 2>/dev/null || hostname)}
CONF_FILE_DIR=$FLINK_HOME/conf

drop_privs_cmd() {
  if [ "$(id -u)" = 0 ]; then
    echo setpriv --reuid=flink --regid=flink --init-groups
  fi
}

set_config_options() {
  local params=()
  while [ $# -gt 0 ]; do
    params+=("-D$1=$2")
    shift 2
  done
  if [ ${#params[@]} -gt 0 ]; then
    "$FLINK_HOME/bin/config-parser-utils.sh" "$CONF_FILE_DIR" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${params[@]}"
  fi
}

process_flink_properties() {
  local options=() prop key value old_ifs=$IFS
  IFS=$'\n'
  for prop in $1; do
    prop=$(echo "$prop" | tr -d '[:space:]')
    [ -n "$prop" ] || continue
    IFS=':' read -r key value <<< "$prop"
    value=$(echo "$value" | envsubst)
    options+=("$key" "$value")
  done
  IFS=$old_ifs
  if [ ${#options[@]} -gt 0 ]; then
    set_config_options "${options[@]}"
  fi
}

prepare_configuration() {
  local options=(jobmanager.rpc.address "$JOB_MANAGER_RPC_ADDRESS" blob.server.port 6124 query.server.port 6125)
  if [ -n "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS:-}" ]; then
    options+=(taskmanager.numberOfTaskSlots "$TASK_MANAGER_NUMBER_OF_TASK_SLOTS")
  fi
  set_config_options "${options[@]}"
  if [ -n "${FLINK_PROPERTIES:-}" ]; then
    process_flink_properties "$FLINK_PROPERTIES"
  fi
}

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

case ${1:-help} in
  help) usage; exit 0 ;;
  jobmanager)
    shift
    prepare_configuration
    echo "Starting Job Manager"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@" ;;
  taskmanager)
    shift
    prepare_configuration
    echo "Starting Task Manager"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/taskmanager.sh" start-foreground "$@" ;;
  *)
    prepare_configuration
    exec $(drop_privs_cmd) "$@" ;;
esac
