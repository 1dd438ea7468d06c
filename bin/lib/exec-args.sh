# Sourced by the scripts that run a main class through Maven's exec:java, whose -Dexec.args is one
# string that the plugin splits at spaces outside quotes. exec_args quotes each argument so that one
# with spaces (a path) arrives whole; one holding both kinds of quote cannot be passed that way.
exec_args() {
  local out= a
  for a in "$@"; do
    if [[ $a != *"'"* ]]; then
      out+=" '$a'"
    elif [[ $a != *'"'* ]]; then
      out+=" \"$a\""
    else
      echo "$(basename "$0"): an argument with both ' and \" cannot be passed: $a" >&2
      return 2
    fi
  done
  printf '%s' "${out# }"
}
