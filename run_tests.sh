#!/usr/bin/env bash
# The project's one test command (README "Test it"; .ci/run calls exactly this).
#
#  1. sets up its own test environment (.venv-test, test tools from PyPI);
#  2. lints (ruff, pylint-odoo) and runs the Odoo-free tests with pytest;
#  3. validates docker-compose.yml with `docker-compose config`;
#  4. when an Odoo 18 is importable (or ODOO_PATH names its source folder):
#     starts a throwaway PostgreSQL cluster on a free loopback port, installs
#     directo_connector on a database whose company is Estonian (so the `ee` chart
#     applies), runs the addon's Odoo tests with pytest-odoo, checks that the addon
#     uninstalls cleanly there and on a fresh non-Estonian database, stops PostgreSQL;
#     the tests include browser tours (Odoo's HttpCase with Debian's chromium, installed
#     when missing and running as root);
#  5. exits non-zero on any failure.
#
# Environment: ODOO_PATH (folder holding the `odoo` package, when not importable),
# PYTHON (interpreter with Odoo's requirements; default: the first python3 on PATH that
# imports Odoo 18, else python3),
# DIRECTO_SKIP_ODOO=1 (only the Odoo-free part), DIRECTO_REQUIRE_ODOO=1 (set by .ci/run: a run
# whose Odoo tests were skipped fails).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
venv="$here/.venv-test"
status=0

log() { printf '\n=== %s\n' "$*"; }
loud() {
    printf '\n%s\n' "##############################################################################"
    printf '### %s\n' "$@"
    printf '%s\n\n' "##############################################################################"
}

# --- 1. test environment --------------------------------------------------------------
if [ -n "${ODOO_PATH:-}" ]; then
    export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
fi
if [ -z "${PYTHON:-}" ]; then
    # The first python3 on PATH that imports Odoo 18, else plain python3.
    PYTHON=python3
    for candidate in $(type -ap python3 python3.11 2>/dev/null); do
        if "$candidate" -c 'import odoo.release as r; assert r.version_info[0] == 18' \
            >/dev/null 2>&1; then
            PYTHON=$candidate
            break
        fi
    done
fi
echo "interpreter: $PYTHON"
# The interpreter may itself live in a virtual environment (the usual way to run Odoo from
# source): `venv --system-site-packages` would then see the *base* interpreter's packages, not
# that venv's. So .venv-test is a plain venv that is pointed at the interpreter's own
# site-packages (and ODOO_PATH) through a .pth file.
if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    "$PYTHON" -m venv "$venv"
fi
interp_paths=$("$PYTHON" -c 'import site, sys; print("\n".join(p for p in sys.path if p.endswith("-packages")))')
venv_site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
{ [ -z "${ODOO_PATH:-}" ] || echo "$ODOO_PATH"; echo "$interp_paths"; } >"$venv_site/zz_interpreter.pth"
py="$venv/bin/python"
log "installing test tools"
"$py" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

# --- 2. lint and Odoo-free tests ------------------------------------------------------
log "ruff"
"$py" -m ruff check . || status=1
log "pylint-odoo"
"$py" -m pylint --rcfile=.pylintrc --disable=prefer-env-translation directo_connector \
    && echo "pylint-odoo: clean" || status=1

log "Odoo-free tests (pytest)"
# tests/test_i18n_po.py also runs `msgfmt --check` on the translations when GNU gettext is there.
if ! command -v msgfmt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null 2>&1 || true
fi
command -v msgfmt >/dev/null 2>&1 || loud "msgfmt (gettext) is not installed: msgfmt --check is skipped"
set +e
"$py" -m pytest -p no:odoo -p no:cacheprovider tests
rc=$?
set -e
[ $rc -eq 0 ] || status=1

# --- 3. docker-compose.yml -------------------------------------------------------------
log "docker-compose config"
if ! command -v docker-compose >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 || true
fi
if command -v docker-compose >/dev/null 2>&1; then
    docker-compose -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid" \
        || status=1
else
    loud "docker-compose is not installed: docker-compose.yml was NOT validated"
    status=1
fi

# --- 4. Odoo tests ------------------------------------------------------------------------
odoo_version=$("$py" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null || true)
if [ "${DIRECTO_SKIP_ODOO:-}" = 1 ]; then
    loud "ODOO TESTS SKIPPED: DIRECTO_SKIP_ODOO=1 was set."
    [ "${DIRECTO_REQUIRE_ODOO:-}" = 1 ] && status=1
    exit $status
fi
if [ "$odoo_version" != 18 ]; then
    loud "ODOO TESTS SKIPPED: no Odoo 18 is importable by $PYTHON" \
        "(found: '${odoo_version:-nothing}'). Install Odoo 18 or set ODOO_PATH." \
        "Only the Odoo-free tests ran."
    # Under CI (.ci/run) skipping the Odoo tests is a failure.
    [ "${DIRECTO_REQUIRE_ODOO:-}" = 1 ] && status=1
    exit $status
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] && [ "$(id -u)" = 0 ]; then
    log "installing PostgreSQL from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
[ -n "$pgbin" ] || { loud "PostgreSQL is missing and cannot be installed"; exit 1; }

work=$(mktemp -d /tmp/directo-test.XXXXXX)
chmod 755 "$work"
pgdata="$work/pgdata"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() {
    # initdb refuses to run as root: use the postgres account then.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() {
    as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

log "starting a throwaway PostgreSQL on 127.0.0.1:$port"
as_pg "$pgbin/initdb" -D "$pgdata" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdata" -w -l "$work/postgres.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off -c full_page_writes=off" start >/dev/null

conf="$work/odoo.conf"
cat >"$conf" <<EOF
[options]
addons_path = $here
db_host = 127.0.0.1
db_port = $port
db_user = odoo
db_password = False
data_dir = $work/filestore
without_demo = all
log_level = warn
max_cron_threads = 0
EOF

odoo() { "$py" -m odoo -c "$conf" "$@"; }
odoo_shell() { "$py" -m odoo shell -c "$conf" --no-http "$@"; }

db=directo_test
log "creating database $db with an Estonian company (ee chart) and installing directo_connector"
odoo -d "$db" -i base --stop-after-init --no-http
odoo_shell -d "$db" <<'PY' >/dev/null
env.company.country_id = env.ref("base.ee")
env.cr.commit()
PY
odoo -d "$db" -i directo_connector --stop-after-init --no-http
chart=$(odoo_shell -d "$db" <<'PY' 2>/dev/null | tail -n 1
print(env.company.chart_template)
PY
)
echo "chart template of the main company: $chart"
[ "$chart" = ee ] || { echo "expected the ee chart"; status=1; }

log "uninstall checks"
uninstall_check() {
    odoo_shell -d "$1" <<'PY' 2>&1 | tail -n 1
module = env["ir.module.module"].search([("name", "=", "directo_connector")])
module.button_immediate_uninstall()
env.cr.commit()
env.invalidate_all()
left = env["ir.model"].search_count([("model", "=like", "directo.%")])
fields_left = env["ir.model.fields"].search_count([("name", "=like", "directo_%")])
print("uninstall:", module.state, "models left:", left, "fields left:", fields_left)
PY
}
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U odoo -T "$db" "${db}_copy"
result=$(uninstall_check "${db}_copy")
echo "$db (copy): $result"
[ "$result" = "uninstall: uninstalled models left: 0 fields left: 0" ] || status=1

fresh=directo_fresh
odoo -d "$fresh" -i directo_connector --stop-after-init --no-http
result=$(uninstall_check "$fresh")
echo "$fresh: $result"
[ "$result" = "uninstall: uninstalled models left: 0 fields left: 0" ] || status=1

# The browser tests (Odoo tours, tests/test_tours.py) drive Debian's chromium, which Odoo
# finds on the PATH.
if ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        log "installing chromium from Debian (browser tests)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        loud "chromium is missing (not root: not installed): the browser tours will fail"
    fi
fi

# Last, so that the output ends with pytest's summary lines. --odoo-http starts Odoo's
# HTTP server for the tours (pytest-odoo skips HttpCase tests without it); a tour that
# cannot start a browser fails instead of being skipped (DIRECTO_REQUIRE_BROWSER).
log "Odoo tests (pytest-odoo, database $db)"
set +e
DIRECTO_REQUIRE_BROWSER=1 "$py" -m pytest -p no:cacheprovider --odoo-config "$conf" --odoo-database "$db" --odoo-http \
    directo_connector/tests
rc=$?
set -e
[ $rc -eq 0 ] || status=1
exit $status

