#!/usr/bin/env bash
# deploy/ manifests: they parse and name the ports and routes segrt serve serves.
exec /usr/bin/python3 "$(dirname "$0")/deploy_test.py" "$1"
