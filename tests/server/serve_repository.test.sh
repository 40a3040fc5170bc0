#!/usr/bin/env bash
# segrt serve's model repository and sidecar serving section: clear refusals at start.
exec /usr/bin/python3 "$(dirname "$0")/repository_test.py" "$1"
