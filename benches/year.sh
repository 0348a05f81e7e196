#!/usr/bin/env bash
# Speed at a year's volume, SQLite and PostgreSQL in ONE run, printed side by side:
#   bash benches/year.sh
#
# For each backend, on a fresh database and data directory, with the release binary:
# - start-up with migrations: from launching `serve` to `/readyz` answering 200;
# - `demo --scale year` (the first year's time), YEARS times (20: 20,000 certificates);
# - idle RSS of the server;
# - every coordinator and trainer page (found by following the links of the pages from
#   the start page, three levels, one URL per route; downloads and logout left out): N
#   sequential requests with a logged-in session, p50 / p95 and the page size;
# - `/z/<token>` with every certificate's token (1,000 distinct ones a year; wrk's Lua script
#   gives each thread its own slice, so a token comes back only after every other token of
#   the slice: the one-second memo of answers and the 4,096 remembered signatures never
#   hold it; the interval reached is printed, marked when under the memo's second),
#   p50 / p99 at CONNS and CONNS_LIGHT connections, and `/healthz` with the same settings
#   for the ratio;
# - RSS right after that load (and the peak), and 65 s later, once the service has handed
#   freed memory back (it does so every minute).
# Prints numbers; asserts nothing. The batch of 500 certificates is timed by
# `cargo bench --bench certificates` (both backends with TEST_DATABASE_URL).
#
# Settings: N (30), CONNS (64), THREADS (2), DURATION (10s), PORT (18090), YEARS (20),
# PAGES (a regular expression: only the pages whose route matches, e.g. '^/runs'; all),
# BIN (default target/release/mietschulung, built when missing), PG_ADMIN (a PostgreSQL
# server's URL; a database is created there and dropped; `none` skips PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

N=${N:-30}
CONNS=${CONNS:-64}
# A second, lighter load: 64 connections in a closed loop keep both cores busy, so there
# latency is connections / throughput (Little's law) and says how much work a check costs;
# at 8 it says how long a landlord waits while the service is busy but not saturated.
CONNS_LIGHT=${CONNS_LIGHT:-8}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
PORT=${PORT:-18090}
# 20 years = 20,000 distinct tokens: at SQLite's 14,000 checks/s, 10,000 came back after
# 0.7 s, inside the one-second memo of answers.
YEARS=${YEARS:-20}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PGDB=bench_year_$$
# shellcheck source=benches/common.sh
source "benches/common.sh"
need wrk curl sqlite3

export MIETSCHULUNG_VERIFY_RATE_PER_MINUTE=0
export MIETSCHULUNG_CODE_FORM_RATE_PER_MINUTE=0
PASSWORD=demo-passwort-2026

now() { date +%s.%N; }
rss() { awk -v k="$1:" '$1 == k {print int($2 / 1024) " MB"}' "/proc/$PID/status"; }

stop_server() {
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=
}

# links JAR URL...: the site's own page links on those pages, one per route template.
links() (
    set +e +o pipefail
    local jar=$1
    shift
    for url in "$@"; do
        curl -fsL -b "$jar" "$BASE$url" | grep -o 'href="/[^"#]*"' | sed 's/^href="//; s/"$//; s/&amp;/\&/g'
    done | grep -Ev '^/(static|logout|Z/|z/|\.well-known)|\.(pdf|zip|csv|xlsx|ics|svg|png|css|js)(\?|$)|download|export|/print|/pdf(\?|$)|/zip' |
        awk '{ t = $0; sub(/\?.*/, "", t); gsub(/[0-9]+/, "{id}", t); if (!(t in seen)) { seen[t] = 1; print } }'
)

# pages JAR ROLE: p50, p95 (ms) and bytes of every page of that role, one line each.
pages() {
    local jar=$1 role=$2 first second all
    first=$(links "$jar" /)
    # shellcheck disable=SC2086
    second=$(links "$jar" / $first)
    # shellcheck disable=SC2086
    all=$(links "$jar" / $first $second)
    for url in $all; do
        local times=() size=0 code=0 template
        template=$(echo "$url" | sed 's/?.*//; s/[0-9]\+/{id}/g')
        [[ -z ${PAGES:-} || $template =~ $PAGES ]] || continue
        for _ in $(seq 1 "$N"); do
            read -r code t size < <(curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total} %{size_download}\n' "$BASE$url")
            times+=("$t")
        done
        [[ $code == 200 ]] || continue
        printf '%s\n' "${times[@]}" | sort -n | awk -v role="$role" -v t="$template" -v size="$size" '
            { v[NR] = $1 } END { printf "%s %s %.1f %.1f %d\n", role, t, v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.95 + 0.5)] * 1000, size }'
    done
}

# wrk_run PATH [LUA]: "p50 p99 requests/s".
wrk_run() {
    local out
    if [[ -n ${2:-} ]]; then
        out=$(wrk -t"$THREADS" -c"${C:-$CONNS}" -d"$DURATION" --latency -s "$2" "$BASE$1")
    else
        out=$(wrk -t"$THREADS" -c"${C:-$CONNS}" -d"$DURATION" --latency "$BASE$1")
    fi
    echo "$out" | grep -q 'Non-2xx' && echo "$out" | grep 'Non-2xx' >&2
    echo "$(echo "$out" | awk '$1 == "50%" {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}') $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
}

cat >"$WORK/tokens.lua" <<'EOF'
-- Each thread cycles through its own slice of the tokens, so a token comes back only
-- after tokens/threads requests of that thread: later than the one-second memo of answers
-- and past the 4,096 remembered signatures (year.sh prints the interval it reached).
local n = 0
function setup(thread)
    thread:set("id", n)
    n = n + 1
end
function init(args)
    local all = {}
    for line in io.lines(os.getenv("TOKENS")) do all[#all + 1] = "/Z/" .. line end
    local threads = tonumber(os.getenv("THREADS"))
    local size = math.floor(#all / threads)
    paths = {}
    for k = id * size + 1, (id + 1) * size do paths[#paths + 1] = all[k] end
    i = 0
end
function request()
    i = i + 1
    return wrk.format("GET", paths[(i % #paths) + 1])
end
EOF

declare -A R
for backend in "${BACKENDS[@]}"; do
    use_backend "$backend"

    t0=$(now)
    start_server
    R[startup|$backend]=$(echo "$(now) - $t0" | bc | awk '{printf "%.0f ms", $1 * 1000}')
    stop_server

    for y in $(seq 1 "$YEARS"); do
        t0=$(now)
        "$BIN" demo --scale year >"$DATA/demo$y.txt"
        [[ $y == 1 ]] && R[demo|$backend]=$(echo "$(now) - $t0" | bc | awk '{printf "%.1f s", $1}')
        echo "demo year $y done" >&2
    done

    start_server
    sleep 2
    # RssFile is the program's own pages read from its file (shared, dropped first under
    # memory pressure); RssAnon is what the process itself holds.
    R[rss_idle|$backend]="$(rss VmRSS) (anon $(rss RssAnon), file $(rss RssFile))"

    login "$WORK/coord.$backend" koordination@jahr.example.org
    login "$WORK/trainer.$backend" training@jahr.example.org
    pages "$WORK/coord.$backend" koordination >"$DATA/pages.txt"
    pages "$WORK/trainer.$backend" training >>"$DATA/pages.txt"

    if [[ $backend == postgres ]]; then
        psql "$DATABASE_URL" -Atc "SELECT token FROM certificates" >"$DATA/tokens.txt"
    else
        sqlite3 "$DATA/mietschulung.sqlite" "SELECT token FROM certificates" >"$DATA/tokens.txt"
    fi
    R[tokens|$backend]=$(sort -u "$DATA/tokens.txt" | wc -l)
    R[healthz|$backend]=$(wrk_run /healthz)
    R[z|$backend]=$(TOKENS=$DATA/tokens.txt THREADS=$THREADS wrk_run "/Z/x" "$WORK/tokens.lua")
    # A token is asked again after tokens / (requests per second) seconds.
    R[z_again|$backend]=$(echo "${R[z|$backend]}" | awk -v n="${R[tokens|$backend]}" '{ s = n / $3; printf "%.1f s (memo: 1 s)%s", s, s < 1 ? " MEMO SERVED" : "" }')
    R[healthz_light|$backend]=$(C=$CONNS_LIGHT wrk_run /healthz)
    R[z_light|$backend]=$(C=$CONNS_LIGHT TOKENS=$DATA/tokens.txt THREADS=$THREADS wrk_run "/Z/x" "$WORK/tokens.lua")
    R[rss_after|$backend]="$(rss VmRSS) (anon $(rss RssAnon), peak $(rss VmHWM))"
    sleep 65
    R[rss_minute|$backend]="$(rss VmRSS) (anon $(rss RssAnon), file $(rss RssFile))"
    stop_server
done

echo
echo "machine: $(nproc) cores; server, wrk and curl share it; release binary $BIN"
printf '%-44s' "measure"
for b in "${BACKENDS[@]}"; do printf ' | %-30s' "$b"; done
echo
row() {
    printf '%-44s' "$1"
    for b in "${BACKENDS[@]}"; do printf ' | %-30s' "${R[$2|$b]:-}"; done
    echo
}
row "start-up with migrations (fresh database)" startup
row "demo --scale year (first year)" demo
row "idle RSS (after $YEARS years of data)" rss_idle
row "distinct /z tokens" tokens
row "/healthz p50 p99 req/s (c$CONNS)" healthz
row "/z/<token> p50 p99 req/s (c$CONNS)" z
row "/z: the same token again after" z_again
row "/healthz p50 p99 req/s (c$CONNS_LIGHT)" healthz_light
row "/z/<token> p50 p99 req/s (c$CONNS_LIGHT)" z_light
row "RSS after load" rss_after
row "RSS one minute after the load" rss_minute
echo
echo "pages (N=$N sequential requests each): p50 ms, p95 ms, bytes"
printf '%-11s %-46s' role page
for b in "${BACKENDS[@]}"; do printf ' | %-8s %-8s' "$b p50" "p95"; done
echo " | bytes"
awk '{ print $1, $2 }' "$WORK/sqlite/pages.txt" | while read -r role page; do
    printf '%-11s %-46s' "$role" "$page"
    size=
    for b in "${BACKENDS[@]}"; do
        line=$(awk -v r="$role" -v p="$page" '$1 == r && $2 == p' "$WORK/$b/pages.txt" | head -1)
        printf ' | %-8s %-8s' "$(echo "$line" | awk '{print $3}')" "$(echo "$line" | awk '{print $4}')"
        size=${size:-$(echo "$line" | awk '{print $5}')}
    done
    echo " | $size"
done
