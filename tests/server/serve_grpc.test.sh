#!/usr/bin/env bash
# segrt serve over gRPC (KServe v2 protocol), driven by python3-grpcio.
exec /usr/bin/python3 "$(dirname "$0")/grpc_test.py" "$1"
