#!/usr/bin/env bash
# The run page of a big run, SQLite and PostgreSQL in one run, printed side by side:
#   bash benches/run_page.sh
#
# For each backend, on a fresh database with the release binary: one demo year (`demo
# --scale year`: the organisation `jahr` with its 600 people), then, through the API, a run
# of PEOPLE people (500) holding a place and WAITING more (30) on its waiting list, one
# held session with 90 % present, and the run's certificates issued. Then N sequential
# requests with a logged-in session of the run page (its first page, and a later page of
# each list), the trainer's roster of the session, and `/runs`: p50 / p95 and the size.
# Prints numbers; asserts nothing.
#
# Settings: N (30), PEOPLE (500), WAITING (30), PORT (18091), BIN (default
# target/release/mietschulung, built when missing), PG_ADMIN (a PostgreSQL server's URL; a
# database is created there and dropped; `none` skips PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

N=${N:-30}
PEOPLE=${PEOPLE:-500}
WAITING=${WAITING:-30}
PORT=${PORT:-18091}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PGDB=bench_run_page_$$
# shellcheck source=benches/common.sh
source "benches/common.sh"
need curl jq

PASSWORD=demo-passwort-2026
COORDINATOR=koordination@jahr.example.org

# api METHOD PATH [JSON]: the answer's body; fails on an error status.
api() {
    curl -fsS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        ${3:+--data "$3"} "$BASE$2"
}

# measure NAME URL: "NAME p50 p95 bytes" over N requests.
measure() {
    local times=() size=0 code=0 t
    for _ in $(seq 1 "$N"); do
        read -r code t size < <(curl -s -o /dev/null -b "$JAR" -w '%{http_code} %{time_total} %{size_download}\n' "$BASE$2")
        times+=("$t")
    done
    [[ $code == 200 ]] || { echo "$2 answered $code" >&2; return; }
    printf '%s\n' "${times[@]}" | sort -n | awk -v name="$1" -v size="$size" '
        { v[NR] = $1 } END { printf "%s %.1f %.1f %d\n", name, v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.95 + 0.5)] * 1000, size }'
}

for backend in "${BACKENDS[@]}"; do
    use_backend "$backend"
    start_server
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    "$BIN" demo --scale year >"$DATA/demo.txt"
    start_server
    TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
        --data "{\"email\": \"$COORDINATOR\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/token" | jq -r .token)
    course=$(api POST /api/v1/courses '{"code": "GROSS", "title": "Mietführerschein groß"}' | jq .id)
    module=$(api POST "/api/v1/courses/$course/modules" '{"title": "Mietvertrag", "duration_minutes": 90, "mandatory": true}' | jq .id)
    start=$(date -d '-20 days' +%F)
    end=$(date -d '-2 days' +%F)
    run=$(api POST "/api/v1/courses/$course/runs" "{\"start_date\": \"$start\", \"end_date\": \"$end\", \"place\": \"Stadthalle\", \"capacity\": $PEOPLE}" | jq .id)
    session=$(api POST "/api/v1/runs/$run/sessions" "{\"starts_at\": \"${start}T09:00\", \"ends_at\": \"${start}T12:00\", \"module_ids\": [$module]}" | jq .id)
    for i in $(seq 1 $((PEOPLE + WAITING))); do
        pid=$(api POST /api/v1/participants "{\"given_name\": \"Person\", \"family_name\": \"Gross $i\", \"preferred_language\": \"ar\", \"consent\": true}" | jq .id)
        api POST "/api/v1/runs/$run/enrollments" "{\"participant_id\": $pid}" >/dev/null
        if ((i <= PEOPLE && i % 10 != 0)); then
            api PUT "/api/v1/sessions/$session/attendance/$pid" '{"status": "present"}' >/dev/null
        fi
    done
    api POST "/api/v1/runs/$run/certificates" '{}' | jq -c 'with_entries(select(.value | type == "number"))' >&2
    echo "run $run: $PEOPLE holding a place, $WAITING waiting, session $session" >&2

    JAR=$WORK/coord.$backend
    login "$JAR" "$COORDINATOR"
    {
        measure "/runs/{id}" "/runs/$run"
        measure "/runs/{id}?page=5" "/runs/$run?page=5&certificates_page=5"
        measure "/sessions/{id}/roster" "/sessions/$session/roster"
        measure "/runs" "/runs"
    } >"$DATA/pages.txt"
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=
done

echo
echo "machine: $(nproc) cores; release binary $BIN; a run of $PEOPLE people (+$WAITING waiting), N=$N"
printf '%-26s' page
for b in "${BACKENDS[@]}"; do printf ' | %-8s %-8s %-9s' "$b p50" "p95" "bytes"; done
echo
awk '{ print $1 }' "$WORK/sqlite/pages.txt" | while read -r page; do
    printf '%-26s' "$page"
    for b in "${BACKENDS[@]}"; do
        line=$(awk -v p="$page" '$1 == p' "$WORK/$b/pages.txt" | head -1)
        printf ' | %-8s %-8s %-9s' $(echo "$line" | awk '{print $2, $3, $4}')
    done
    echo
done
