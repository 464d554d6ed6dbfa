#!/usr/bin/env bash
# Try the addon without Docker, with the Odoo 18 you run from source:
#
#   ./run_demo.sh [--port 8069] [--no-demo-data]
#
# Finds Odoo 18 like ./run_tests.sh (ODOO_PATH / PYTHON, else the first python3 on PATH that
# imports Odoo 18), starts a throwaway PostgreSQL cluster and the Directo sandbox with its demo
# data (both on free loopback ports), creates the database directo_demo whose company is
# Estonian (so the `ee` chart applies; with Odoo's demo data unless --no-demo-data) with
# directo_connector installed and connected to the sandbox (key DEMO-TOKEN), the proposed
# mappings of taxes and users confirmed (so the first export needs no setup), and serves Odoo
# on http://localhost:8069 (loopback only; login admin / admin) until Ctrl-C (or SIGTERM). Then
# it stops Odoo, the sandbox and PostgreSQL and removes every file it made.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
http_port=8069
demo_data=1
db=directo_demo
token=DEMO-TOKEN  # a full-access key of the sandbox's demo data

while [ $# -gt 0 ]; do
    case $1 in
        --port) http_port=$2; shift 2 ;;
        --port=*) http_port=${1#--port=}; shift ;;
        --no-demo-data) demo_data=0; shift ;;
        -h | --help) sed -n '2,12p' "$0" | cut -c3-; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

step() { printf '\n=== %s\n' "$*"; }

# shellcheck source=tools/odoo_env.sh
. "$here/tools/odoo_env.sh"
find_odoo_python
if [ "$(odoo_major_version "$PYTHON")" != 18 ]; then
    echo "No Odoo 18 is importable by $PYTHON. Set ODOO_PATH to the folder that holds the" \
        "odoo package of an Odoo 18 source tree, and PYTHON to an interpreter with its" \
        "requirements (e.g. eval \"\$(../shared/odoo18/setup.sh)\")." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import socket, sys; socket.create_server(("127.0.0.1", int(sys.argv[1])))' \
    "$http_port" 2>/dev/null; then
    echo "Port $http_port is in use: pass --port with a free one." >&2
    exit 1
fi
find_pgbin || { echo "PostgreSQL is missing and cannot be installed." >&2; exit 1; }

work=$(mktemp -d /tmp/directo-demo.XXXXXX)
chmod 755 "$work"
pids=()  # started in the background, stopped newest first
stop_process() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 150); do  # Odoo shuts down gracefully on SIGTERM: give it 30 s
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -9 "$1" 2>/dev/null || true
}
cleanup() {
    trap - EXIT INT TERM
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_process "${pids[i]}"; done
    pg_stop
    rm -rf "$work"
    echo "Demo stopped: Odoo, the sandbox and PostgreSQL are down, $work is removed."
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # the EXIT trap cleans up

step "Directo sandbox with demo data"
# From the repository root: directo_sandbox loads the codec from directo_connector/ beside it.
# --pay-invoices: a receipt pays each invoice Directo gets, so the paid status can be seen.
"$PYTHON" -m directo_sandbox --port 0 --demo --pay-invoices >"$work/sandbox.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do
    grep -q 'listening on' "$work/sandbox.log" 2>/dev/null && break
    sleep 0.2
done
sandbox_url=$(sed -n 's/.*listening on //p' "$work/sandbox.log")
[ -n "$sandbox_url" ] || { cat "$work/sandbox.log" >&2; echo "The sandbox did not start." >&2; exit 1; }
echo "$sandbox_url"

step "throwaway PostgreSQL"
pg_start "$work"
echo "127.0.0.1:$pg_port"
conf="$work/odoo.conf"
write_odoo_conf "$conf" "$here" "$work/filestore"
{
    [ "$demo_data" = 1 ] || echo "without_demo = all"
    echo "log_level = warn"
    echo "max_cron_threads = 1"  # the client import that Connect queues runs in the background
} >>"$conf"
odoo() { "$PYTHON" -m odoo -c "$conf" -d "$db" "$@"; }
odoo_shell() { "$PYTHON" -m odoo shell -c "$conf" -d "$db" --no-http; }

step "database $db: Estonian company (ee chart), directo_connector (a minute or two)"
odoo -i base --stop-after-init --no-http
odoo_shell >/dev/null <<'PY'
env.company.country_id = env.ref("base.ee")
env.cr.commit()
PY
odoo -i directo_connector --stop-after-init --no-http
DIRECTO_URL="$sandbox_url" DIRECTO_TOKEN="$token" odoo_shell <tools/demo_connect.py 2>/dev/null |
    tail -n 1

step "Odoo"
# Started directly, not through odoo(): a function sent to the background runs in a subshell,
# and $! would be that subshell, not Odoo.
"$PYTHON" -m odoo -c "$conf" -d "$db" --http-interface 127.0.0.1 --http-port "$http_port" \
    --db-filter "^$db\$" &
odoo_pid=$!
pids+=("$odoo_pid")
until "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$http_port/web/login" 2>/dev/null; do
    kill -0 "$odoo_pid" 2>/dev/null || { echo "Odoo stopped." >&2; exit 1; }
    sleep 1
done
cat <<EOF

  Odoo:             http://localhost:$http_port   (login admin / admin)
  Directo settings: http://localhost:$http_port/odoo/settings#account
  Directo sandbox:  $sandbox_url   (key $token)

  Ctrl-C stops everything and removes the database.
EOF
wait "$odoo_pid"
