#!/usr/bin/env bash
# flink-console.sh (standalonesession|taskexecutor) [ARGS...]: runs the JobManager or a TaskManager
# in the foreground, as Flink's jobmanager.sh/taskmanager.sh start-foreground do: the JVM memory
# flags and dynamic properties from BashJavaUtils, env.java.opts.all plus the role's
# env.java.opts.<jobmanager|taskmanager>, plugins from FLINK_PLUGINS_DIR, logs on the console
# (and in log/, which the web UI shows).
set -euo pipefail
. "$(dirname "$0")/config.sh"
service=${1:-}
shift || true
case $service in
  standalonesession)
    class=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    params=GET_JM_RESOURCE_PARAMS role=jobmanager ;;
  taskexecutor)
    class=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    params=GET_TM_RESOURCE_PARAMS role=taskmanager ;;
  *) echo "usage: $0 (standalonesession|taskexecutor) [ARGS...]" >&2; exit 2 ;;
esac
resources=$(bash_java_utils "$params" "$@")
jvm_flags=$(echo "$resources" | sed -n 1p)
dynamic=$(echo "$resources" | sed -n 2p)
opts="$(read_config env.java.opts.all) $(read_config "env.java.opts.$role")"
log=$FLINK_LOG_DIR/flink-$(id -un)-$service-0-$(hostname).log
# shellcheck disable=SC2086 # the flags are word lists
exec java $jvm_flags ${JVM_ARGS:-} $opts \
  -Dlog.file="$log" \
  -Dlog4j.configurationFile="file:$FLINK_CONF_DIR/log4j-console.properties" \
  -classpath "$FLINK_CLASSPATH" "$class" --configDir "$FLINK_CONF_DIR" $dynamic "$@"
