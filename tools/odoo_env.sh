# Shared by run_tests.sh and run_demo.sh (sourced, bash): which Python runs Odoo 18, a free
# loopback port, a throwaway PostgreSQL cluster, an Odoo configuration for it.
#
# Environment: ODOO_PATH (folder holding the `odoo` package, when not importable), PYTHON
# (interpreter with Odoo's requirements; default: the first python3 on PATH that imports
# Odoo 18, else python3).

# Sets PYTHON (unless given) and puts ODOO_PATH in front of PYTHONPATH.
find_odoo_python() {
    if [ -n "${ODOO_PATH:-}" ]; then
        export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    fi
    if [ -z "${PYTHON:-}" ]; then
        PYTHON=python3
        local candidate
        for candidate in $(type -ap python3 python3.11 2>/dev/null); do
            if "$candidate" -c 'import odoo.release as r; assert r.version_info[0] == 18' \
                >/dev/null 2>&1; then
                PYTHON=$candidate
                break
            fi
        done
    fi
}

# Prints the major version of the Odoo that the interpreter $1 imports, or nothing.
odoo_major_version() {
    "$1" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null || true
}

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb refuses to run as root: use the postgres account then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Sets pgbin to the newest PostgreSQL's bin folder (installs Debian's postgresql when missing
# and running as root); returns 1 when there is none.
find_pgbin() {
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pgbin" ] && [ "$(id -u)" = 0 ]; then
        echo "installing PostgreSQL from Debian" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    [ -n "$pgbin" ]
}

# pg_start DIR: a new cluster in DIR/pgdata listening on 127.0.0.1:$pg_port only (a free port),
# trust authentication for the user odoo, durability off (throwaway data). DIR must exist.
pg_start() {
    pg_dir=$1
    pg_port=$(free_port)
    if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
    as_pg "$pgbin/initdb" -D "$pg_dir/pgdata" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 \
        >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$pg_dir/pgdata" -w -l "$pg_dir/postgres.log" \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c full_page_writes=off" \
        start >/dev/null
}

pg_stop() {
    if [ -n "${pgbin:-}" ] && [ -n "${pg_dir:-}" ] && [ -d "$pg_dir/pgdata" ]; then
        as_pg "$pgbin/pg_ctl" -D "$pg_dir/pgdata" -m immediate stop >/dev/null 2>&1 || true
    fi
}

# write_odoo_conf FILE ADDONS_PATH DATA_DIR: the [options] of an Odoo configuration for the
# cluster of pg_start (an empty ADDONS_PATH leaves Odoo's default: its own addons only); the
# caller appends its own options.
write_odoo_conf() {
    {
        echo "[options]"
        [ -z "$2" ] || echo "addons_path = $2"
        cat <<EOF
db_host = 127.0.0.1
db_port = $pg_port
db_user = odoo
db_password = False
data_dir = $3
EOF
    } >"$1"
}
