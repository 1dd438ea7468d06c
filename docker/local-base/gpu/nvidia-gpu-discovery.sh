#!/usr/bin/env bash
# nvidia-gpu-discovery.sh AMOUNT [ARGS...]: the first AMOUNT GPU indexes nvidia-smi reports, comma
# separated, for Flink's GPU driver (what the official image's script of this name prints; it
# fails when fewer GPUs are there). The local base's stand-in: the official script comes with the
# Flink distribution, which is not on Maven Central.
set -euo pipefail
amount=${1:?usage: $0 AMOUNT}
command -v nvidia-smi >/dev/null || { echo "nvidia-smi not found: no GPU in this container" >&2; exit 1; }
indexes=$(nvidia-smi --query-gpu=index --format=csv,noheader | head -n "$amount" | paste -sd, -)
found=$(echo "$indexes" | tr ',' '\n' | grep -c . || true)
[ "$found" -ge "$amount" ] || { echo "Could not get enough GPU resources: $found of $amount" >&2; exit 1; }
echo "$indexes"
