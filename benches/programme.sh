#!/usr/bin/env bash
# The programme's dashboard at a state's volume, SQLite and PostgreSQL in ONE run:
#   bash benches/programme.sh
#
# For each backend, on a fresh database with the release binary: MEMBERS organisations
# with a year of data each (`demo --scale year`: 40 runs, 600 participants, 1,000
# certificates, 2 surveys per organisation), one programme over the last five quarters
# with all of them as members sharing their figures; then
# - the first request of the figures (`/api/v1/programmes/{id}/figures`) of PROGRAMMES
#   programmes with the same members: every ended quarter is computed from the database
#   (every aggregate read, for all members) and frozen, then the grids are held back;
#   the median and the slowest of them,
# - N sequential requests each, p50 / p95, of the figures as JSON once frozen, the figures
#   page, the CSV and the PDF report, and one member's own figures (always computed
#   live, for every quarter of the period).
# Prints numbers; asserts nothing but that every member is in the figures.
#
# Settings: MEMBERS (20), N (20), PROGRAMMES (5), PORT (18091), BIN (target/release/mietschulung, built
# when missing), PG_ADMIN (a PostgreSQL server's URL; `none` skips PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MEMBERS=${MEMBERS:-20}
N=${N:-20}
PROGRAMMES=${PROGRAMMES:-5}
PORT=${PORT:-18091}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PGDB=bench_programme_$$
# shellcheck source=benches/common.sh
source "benches/common.sh"
need curl python3

PASSWORD=demo-passwort-2026
ADMIN=admin@land.example.org

now() { date +%s.%N; }

stop_server() {
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=
}

# token EMAIL: an API token of that account.
token() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"email\": \"$1\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# timed AUTH PATH: "p50 p95" in ms of N sequential requests (each must answer 200); AUTH
# is a header, or "jar:FILE" for a browser session's cookie jar.
timed() {
    local auth=$1 path=$2 times=() how
    if [[ $auth == jar:* ]]; then how=(-b "${auth#jar:}"); else how=(-H "$auth"); fi
    for _ in $(seq 1 "$N"); do
        read -r code t < <(curl -s -o /dev/null "${how[@]}" -w '%{http_code} %{time_total}\n' "$BASE$path")
        [[ $code == 200 ]] || { echo "$path answered $code" >&2; exit 1; }
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f %.0f", v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.95 + 0.5)] * 1000 }'
}

# The last five quarters: the demo's year ends today.
FROM=$(python3 -c 'import datetime as d; t = d.date.today(); y, q = t.year, (t.month - 1) // 3; y, q = (y - 1, q) if q < 4 else (y, q); print(d.date(y, q * 3 + 1, 1))')
TO=$(python3 -c 'import datetime as d; t = d.date.today(); m = ((t.month - 1) // 3 + 1) * 3; e = d.date(t.year + (m == 12), m % 12 + 1, 1) - d.timedelta(days=1); print(e)')

declare -A R
for backend in "${BACKENDS[@]}"; do
    use_backend "$backend"
    t0=$(now)
    for m in $(seq 1 "$MEMBERS"); do
        "$BIN" demo --scale year >"$DATA/demo$m.txt"
        echo "member $m of $MEMBERS done" >&2
    done
    R[data|$backend]=$(echo "$(now) - $t0" | bc | awk '{printf "%.0f s", $1}')
    echo "$PASSWORD" | "$BIN" user create --email "$ADMIN" --role admin --name Admin >/dev/null
    start_server
    auth="Authorization: Bearer $(token "$ADMIN")"
    cold=()
    for p in $(seq 1 "$PROGRAMMES"); do
        curl -fs -o "$DATA/programme.json" -H "$auth" -H 'Content-Type: application/json' \
            -d "{\"name\": \"Mietschulungen im Land $p\", \"funding_body\": \"Land\", \"periods\": [{\"label\": \"Fünf Quartale\", \"starts_on\": \"$FROM\", \"ends_on\": \"$TO\"}]}" \
            "$BASE/api/v1/admin/programmes"
        for m in $(seq 1 "$MEMBERS"); do
            slug=jahr; [[ $m -gt 1 ]] && slug=jahr-$m
            curl -fs -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
                -d "{\"organisation_id\": $m}" "$BASE/api/v1/admin/programmes/$p/members"
            member="Authorization: Bearer $(token "koordination@$slug.example.org")"
            curl -fs -o /dev/null -X PUT -H "$member" -H 'Content-Type: application/json' \
                -d '{"figures": true, "templates": true}' "$BASE/api/v1/programmes/$p/membership"
        done
        cold+=("$(curl -fs -o /dev/null -H "$auth" -w '%{time_total}' "$BASE/api/v1/programmes/$p/figures")")
    done
    R[cold|$backend]=$(printf '%s\n' "${cold[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f %.0f", v[int(NR * 0.5 + 0.5)] * 1000, v[NR] * 1000 }')
    shown=$(curl -fs -H "$auth" "$BASE/api/v1/programmes/1/figures" | python3 -c 'import json, sys; d = json.load(sys.stdin)["figures"]; print(len(d["members"]), d["total"]["period"]["enrolled"], len(d["quarters"]))')
    read -r members enrolled quarters <<<"$shown"
    [[ $members == "$MEMBERS" ]] || { echo "figures show $members members, not $MEMBERS" >&2; exit 1; }
    R[shown|$backend]="$members members, $quarters quarters, $enrolled enrolled"
    R[json|$backend]=$(timed "$auth" /api/v1/programmes/1/figures)
    R[csv|$backend]=$(timed "$auth" /api/v1/programmes/1/figures.csv)
    R[pdf|$backend]=$(timed "$auth" /api/v1/programmes/1/figures.pdf)
    R[own|$backend]=$(timed "Authorization: Bearer $(token koordination@jahr.example.org)" /api/v1/programmes/1/own-figures)
    login "$WORK/admin.$backend" "$ADMIN"
    R[page|$backend]=$(timed "jar:$WORK/admin.$backend" /programm/1/zahlen)
    stop_server
done

echo
echo "machine: $(nproc) cores; server and curl share it; release binary $BIN; N=$N sequential requests"
printf '%-46s' "measure"
for b in "${BACKENDS[@]}"; do printf ' | %-34s' "$b"; done
echo
row() {
    printf '%-46s' "$1"
    for b in "${BACKENDS[@]}"; do printf ' | %-34s' "${R[$2|$b]:-}"; done
    echo
}
row "$MEMBERS × demo --scale year" data
row "what the figures show" shown
row "first view: compute and freeze, median max ms" cold
row "figures JSON once frozen p50 p95 ms" json
row "figures page p50 p95 ms" page
row "figures CSV p50 p95 ms" csv
row "figures PDF report p50 p95 ms" pdf
row "one member's own figures (live) p50 p95 ms" own
