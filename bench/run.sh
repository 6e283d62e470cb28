#!/usr/bin/env bash
# Benchmarks Portico against nginx and haproxy with the shared harness
# (../shared/bench/proxy-bench, or PROXY_BENCH=path). Portico runs pinned to the proxy CPU
# like the peers, so tokio sizes itself to one worker. Extra arguments and BENCH_* variables
# go to the harness, e.g. BENCH_DURATION=5 BENCH_ROUNDS=1 bench/run.sh; PORTICO_PROFILE=profiling
# uses the quick-to-build profile while iterating (quote numbers from release).
set -euo pipefail
cd "$(dirname "$0")/.."

harness=${PROXY_BENCH:-../shared/bench/proxy-bench}
[ -x "$harness" ] || { echo "proxy-bench not found at $harness (set PROXY_BENCH)" >&2; exit 1; }

profile=${PORTICO_PROFILE:-release}
cargo build --profile "$profile" --bin portico
binary=$PWD/target/$profile/portico
venv=tests/compat/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/compat/requirements.txt

data_dir=$(mktemp -d /tmp/portico-bench.XXXXXX)
trap 'rm -rf "$data_dir"' EXIT
read -r api_id policy_api_id iam_query < <("$venv/bin/python" bench/prepare.py "$binary" "$data_dir")
[ -n "$iam_query" ] || { echo "bench/prepare.py failed" >&2; exit 1; }
echo "benchmark APIs: $api_id, $policy_api_id (data dir $data_dir)" >&2

CANDIDATE_NAME=portico \
CANDIDATE_CMD="exec $binary serve --listen 127.0.0.1:8080 --admin-listen 127.0.0.1:9090 --data-dir $data_dir --root-credentials AKIABENCHROOT0000001:bench/secret/key/0123456789abcdefghijkl" \
CANDIDATE_URL=http://127.0.0.1:8080/bench/hello \
CANDIDATE_HEADERS="Host: $api_id.execute-api.localhost" \
CANDIDATE_EXTRA="keyed=http://127.0.0.1:8080/bench/keyed/hello|x-api-key: benchkey0123456789abcdefghij;cached=http://127.0.0.1:8080/cached/hello;iam=http://127.0.0.1:8080/bench/iam/hello?$iam_query;policy=http://127.0.0.1:8080/bench/hello|Host: $policy_api_id.execute-api.localhost" \
RUST_LOG=warn \
"$harness" "$@"
