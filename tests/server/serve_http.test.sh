#!/usr/bin/env bash
# segrt serve over HTTP/REST (KServe v2), driven by a Python standard-library client.
exec /usr/bin/python3 "$(dirname "$0")/http_test.py" "$1"
