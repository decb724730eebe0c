#!/usr/bin/env bash
# Waits until the 1-minute load average is below a threshold (default 0.5),
# polling every 20 s, at most MAX seconds (default 3600); prints the wait.
#
#     scripts/quiet.sh [threshold] [max_seconds] && <measurement>
threshold=${1:-0.5}; max=${2:-3600}; waited=0
while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if python3 -c "import sys; sys.exit(0 if $load < $threshold else 1)"; then
        echo "load $load after ${waited}s" >&2; exit 0
    fi
    [ "$waited" -ge "$max" ] && { echo "still busy (load $load) after ${waited}s" >&2; exit 1; }
    sleep 20; waited=$((waited + 20))
done
