#!/usr/bin/env bash
# segrt serve under concurrent load with malformed requests, then SIGTERM mid-load.
# SEGRT_SERVE_ROBUST_N sets the request count (default 20000; the issue's 100000 takes ~5x longer).
exec /usr/bin/python3 "$(dirname "$0")/robustness_test.py" "$1"
