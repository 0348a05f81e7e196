#!/usr/bin/env bash
# Throughput and latency of the public check page `/z/<token>`, measured in the same run as
# `/healthz` so the ratio means something: `bash benches/http.sh`.
#
# Starts the release binary on SQLite in a temporary directory (rate limits off, as behind a
# trusted proxy), creates demo certificates, then runs wrk against both paths with the same
# settings and prints requests/s, latency percentiles and the server's memory (RSS now and
# peak) after the load. Prints numbers; asserts nothing.
#
# Settings: CONNS (64), THREADS (2), DURATION (15s), PORT (18080), BIN, DATABASE_URL (optional,
# e.g. a PostgreSQL database to measure that backend instead).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-15s}
PORT=${PORT:-18080}

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is not installed (Debian: apt-get install wrk)" >&2
    exit 2
fi

# BIN: another build of the server (e.g. the previous commit's, to compare in one run).
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --quiet --bin mietschulung
    BIN=target/release/mietschulung
fi
DATA=$(mktemp -d)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$DATA"' EXIT

export MIETSCHULUNG_DATA_DIR=$DATA
export MIETSCHULUNG_BIND=127.0.0.1:$PORT
export MIETSCHULUNG_PUBLIC_URL=http://127.0.0.1:$PORT
export MIETSCHULUNG_VERIFY_RATE_PER_MINUTE=0
export MIETSCHULUNG_CODE_FORM_RATE_PER_MINUTE=0
export RUST_LOG=${RUST_LOG:-warn}

"$BIN" demo --out "$DATA/pdfs" >"$DATA/demo.txt"
URL=$(awk -F' -> ' 'NF > 1 { print $2; exit }' "$DATA/demo.txt")
TOKEN_PATH="/Z/${URL##*/Z/}"

"$BIN" serve >"$DATA/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT$TOKEN_PATH" | grep -q 'Gültig' || {
    echo "the check page does not answer Gültig" >&2
    exit 1
}

echo "machine: $(nproc) cores; wrk -t$THREADS -c$CONNS -d$DURATION (server and wrk share the machine)"
echo "server RSS before: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
for target in /healthz "$TOKEN_PATH"; do
    label=$target
    [[ $target == /Z/* ]] && label="/z/<token>"
    echo
    echo "== $label"
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$target" |
        grep -E 'Requests/sec|Latency +[0-9]|^ +(50|90|99)%|Non-2xx|Socket errors'
done
echo
echo "server RSS after: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status), threads $(awk '/Threads/ {print $2}' /proc/$PID/status)"
