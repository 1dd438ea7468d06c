#!/usr/bin/env bash
# Shared by the scripts in this bin/ (sourced): where Flink lives, and the two things Flink's own
# config.sh and bash-java-utils.sh do that these scripts need, both through Flink's BashJavaUtils.
FLINK_HOME=${FLINK_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
FLINK_CONF_DIR=${FLINK_CONF_DIR:-$FLINK_HOME/conf}
FLINK_LIB_DIR=${FLINK_LIB_DIR:-$FLINK_HOME/lib}
FLINK_PLUGINS_DIR=${FLINK_PLUGINS_DIR:-$FLINK_HOME/plugins}
FLINK_LOG_DIR=${FLINK_LOG_DIR:-$FLINK_HOME/log}
export FLINK_HOME FLINK_CONF_DIR FLINK_LIB_DIR FLINK_PLUGINS_DIR FLINK_LOG_DIR
FLINK_CLASSPATH="$FLINK_LIB_DIR/*"

# bash_java_utils COMMAND [ARGS...]: the result lines of BashJavaUtils COMMAND, prefix removed.
bash_java_utils() {
  local cmd=$1 out
  shift
  out=$(java -cp "$FLINK_CLASSPATH" org.apache.flink.runtime.util.bash.BashJavaUtils "$cmd" \
        --configDir "$FLINK_CONF_DIR" "$@" 2>&1) || { echo "$out" >&2; return 1; }
  echo "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

# read_config KEY: the value of KEY in conf/config.yaml (flattened, as Flink's config.sh reads it).
read_config() {
  bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION -flatten | sed -n "s/^$1: //p" | head -1
}
