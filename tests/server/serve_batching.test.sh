#!/usr/bin/env bash
# segrt serve's dynamic batcher: merged batches give the single runs' answers.
exec /usr/bin/python3 "$(dirname "$0")/batching_test.py" "$1"
