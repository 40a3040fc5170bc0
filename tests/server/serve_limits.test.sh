#!/usr/bin/env bash
# segrt serve's limits: queue full -> 503 + Retry-After, per-request timeout -> 504.
exec /usr/bin/python3 "$(dirname "$0")/limits_test.py" "$1"
