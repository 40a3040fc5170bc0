#!/usr/bin/env bash
# segrt serve over TLS (HTTPS and gRPC) with a self-signed certificate.
exec /usr/bin/python3 "$(dirname "$0")/tls_test.py" "$1"
