# Shared by the bench scripts (sourced): a release binary, a work directory removed at the
# end with the bench's PostgreSQL database, and a server on PORT.
#   need TOOL...   stops with the Debian package to install when a tool is missing
#   start_server   starts "$BIN" serve (log in $DATA/server.log) and waits for /readyz
#   login JAR EMAIL  a browser session with PASSWORD in a cookie jar
#   use_backend B  a fresh data directory $DATA (and for postgres the database) for backend B
#   BACKENDS       sqlite, and postgres unless PG_ADMIN=none
# Expects PORT, PG_ADMIN and PGDB to be set.

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (Debian: apt-get install $tool)" >&2; exit 2; }
    done
}

BASE=http://127.0.0.1:$PORT
if [[ -z "${BIN:-}" ]]; then
    BIN=target/release/mietschulung
    [[ -x $BIN ]] || cargo build --release --quiet --bin mietschulung
fi
WORK=$(mktemp -d)
PID=
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null || true
    [[ $PG_ADMIN != none ]] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

export MIETSCHULUNG_BIND=127.0.0.1:$PORT
export MIETSCHULUNG_PUBLIC_URL=$BASE
export RUST_LOG=${RUST_LOG:-warn}

start_server() {
    "$BIN" serve >>"$DATA/server.log" 2>&1 &
    PID=$!
    until curl -fs "$BASE/readyz" >/dev/null 2>&1; do
        kill -0 "$PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
        sleep 0.005
    done
}

# login JAR EMAIL: a browser session in the cookie jar.
login() {
    local csrf
    csrf=$(curl -fs -c "$1" -b "$1" "$BASE/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
    curl -fs -o /dev/null -c "$1" -b "$1" --data-urlencode "csrf_token=$csrf" \
        --data-urlencode "email=$2" --data-urlencode "password=$PASSWORD" "$BASE/login"
    if curl -fsL -b "$1" "$BASE/" | grep -q 'name="password"'; then
        echo "login as $2 failed" >&2
        exit 1
    fi
}

BACKENDS=(sqlite)
[[ $PG_ADMIN != none ]] && BACKENDS+=(postgres)

use_backend() {
    DATA=$WORK/$1
    mkdir -p "$DATA"
    export MIETSCHULUNG_DATA_DIR=$DATA
    if [[ $1 == postgres ]]; then
        psql "$PG_ADMIN" -qc "CREATE DATABASE $PGDB" >/dev/null
        export DATABASE_URL=${PG_ADMIN%/*}/$PGDB
    else
        unset DATABASE_URL
    fi
    echo "== $1" >&2
}
