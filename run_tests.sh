#!/usr/bin/env bash
# The project's one test command (README "Test it"; .ci/run calls exactly this).
#
#  1. sets up its own test environment (.venv-test, test tools from PyPI);
#  2. lints (ruff, pylint-odoo), checks that the addon's README.rst and index.html are
#     generated from its readme/ fragments, runs the Odoo-free tests with pytest;
#  3. builds the addon wheel and the sandbox wheel (`pip wheel`) and checks what the addon
#     wheel installs (tools/check_wheel.py);
#  4. validates docker-compose.yml with `docker-compose config`;
#  5. when an Odoo 18 is importable (or ODOO_PATH names its source folder):
#     starts a throwaway PostgreSQL cluster on a free loopback port, installs
#     directo_connector on a database whose company is Estonian (so the `ee` chart
#     applies); installs the wheels in a fresh virtual environment and, from there, the
#     addon on a fresh non-Estonian database with no addons path to this repository;
#     checks that the addon uninstalls cleanly from both databases; smoke-tests ./run_demo.sh
#     over HTTP (tools/demo_smoke.py); runs the addon's Odoo tests with pytest-odoo (they
#     include browser tours: Odoo's HttpCase with Debian's chromium, installed when missing
#     and running as root); stops PostgreSQL;
#  6. exits non-zero on any failure.
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
# shellcheck source=tools/odoo_env.sh
. "$here/tools/odoo_env.sh"
find_odoo_python
echo "interpreter: $PYTHON"
# The interpreter may itself live in a virtual environment (the usual way to run Odoo from
# source): `venv --system-site-packages` would then see the *base* interpreter's packages, not
# that venv's. So .venv-test is a plain venv that is pointed at the interpreter's own
# site-packages (and ODOO_PATH) through a .pth file; so is the venv the wheels are tried in.
interp_paths=$("$PYTHON" -c 'import site, sys; print("\n".join(p for p in sys.path if p.endswith("-packages")))')
venv_seeing_interpreter() {
    [ -x "$1/bin/python" ] || "$PYTHON" -m venv "$1"
    local site
    site=$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    { [ -z "${ODOO_PATH:-}" ] || echo "$ODOO_PATH"; echo "$interp_paths"; } >"$site/zz_interpreter.pth"
}
[ -x "$venv/bin/python" ] || log "creating $venv"
venv_seeing_interpreter "$venv"
py="$venv/bin/python"

work=$(mktemp -d /tmp/directo-test.XXXXXX)
chmod 755 "$work"
cleanup() {
    pg_stop
    rm -rf "$work"
}
trap cleanup EXIT
log "installing test tools"
"$py" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

# --- 2. lint and Odoo-free tests ------------------------------------------------------
log "ruff"
"$py" -m ruff check . || status=1
log "pylint-odoo"
"$py" -m pylint --rcfile=.pylintrc directo_connector \
    && echo "pylint-odoo: clean" || status=1

log "addon README.rst and index.html generated from readme/ (tools/gen_addon_readme.py)"
"$py" tools/gen_addon_readme.py --check directo_connector || status=1

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

# --- 3. packaging ------------------------------------------------------------------------
# Built from a copy: setuptools builds in the source folder, and a build/ left over from an
# earlier run could slip files that no longer exist into the wheel.
log "packaging: pip wheel (addon and sandbox)"
mkdir -p "$work/src"
cp -r setup.py directo_connector directo_sandbox "$work/src/"
if "$py" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" \
    "$work/src" "$work/src/directo_sandbox"; then
    ls "$work/dist"
    addon_wheel=$(ls "$work"/dist/odoo_addon_directo_connector-18.0.*.whl 2>/dev/null || true)
    if [ -n "$addon_wheel" ]; then
        "$py" tools/check_wheel.py "$addon_wheel" directo_connector || status=1
    else
        echo "no odoo_addon_directo_connector-18.0.*.whl was built"
        status=1
    fi
else
    status=1
fi

# --- 4. docker-compose.yml -------------------------------------------------------------
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

# --- 5. Odoo tests ------------------------------------------------------------------------
odoo_version=$(odoo_major_version "$py")
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

find_pgbin || { loud "PostgreSQL is missing and cannot be installed"; exit 1; }
log "starting a throwaway PostgreSQL"
pg_start "$work"
echo "listening on 127.0.0.1:$pg_port"

test_options="without_demo = all
log_level = warn
max_cron_threads = 0"
conf="$work/odoo.conf"
write_odoo_conf "$conf" "$here" "$work/filestore"
echo "$test_options" >>"$conf"

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

log "uninstall check"
uninstall_check() {  # DB PYTHON CONF
    (cd "$work" && "$2" -m odoo shell -c "$3" --no-http -d "$1") <<'PY' 2>&1 | tail -n 1
module = env["ir.module.module"].search([("name", "=", "directo_connector")])
module.button_immediate_uninstall()
env.cr.commit()
env.invalidate_all()
left = env["ir.model"].search_count([("model", "=like", "directo.%")])
fields_left = env["ir.model.fields"].search_count([("name", "=like", "directo_%")])
print("uninstall:", module.state, "models left:", left, "fields left:", fields_left)
PY
}
"$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U odoo -T "$db" "${db}_copy"
result=$(uninstall_check "${db}_copy" "$py" "$conf")
echo "$db (copy): $result"
[ "$result" = "uninstall: uninstalled models left: 0 fields left: 0" ] || status=1

# The wheels as a deployment uses them: a fresh venv that sees Odoo and its requirements (like
# .venv-test) but not this repository (commands run from $work); Odoo's configuration has no
# addons_path (Odoo's default: its own addons), so Odoo can only find the addon in the
# odoo.addons namespace of the venv's site-packages, where the wheel put it.
log "the wheels in a fresh venv, and from there the addon on a fresh non-Estonian database"
wheel_venv="$work/venv-wheel"
wpy="$wheel_venv/bin/python"
wheel_conf="$work/odoo-wheel.conf"
write_odoo_conf "$wheel_conf" "" "$work/filestore"
echo "$test_options" >>"$wheel_conf"
wheel_odoo() { (cd "$work" && "$wpy" -m odoo "$@" -c "$wheel_conf"); }
if [ -n "${addon_wheel:-}" ]; then
    venv_seeing_interpreter "$wheel_venv"
    "$wpy" -m pip install --quiet --disable-pip-version-check --no-index \
        --find-links "$work/dist" odoo-addon-directo_connector directo-sandbox
    if (cd "$work" && "$wpy" -c 'import xmldirect' 2>/dev/null); then
        echo "the wheel installs a top-level package xmldirect"
        status=1
    else
        echo "python -c 'import xmldirect' fails in the venv: no stray top-level package"
    fi
    "$wheel_venv/bin/directo-sandbox" --help >/dev/null || status=1
    (cd "$work" && "$wpy" - "$wheel_venv") <<'PY' || status=1
import sys
from directo_sandbox import DirectoSandbox
from directo_sandbox._xmldirect import xmldirect
assert xmldirect.__file__.startswith(sys.argv[1] + "/"), xmldirect.__file__
with DirectoSandbox(port=0, demo=True) as sandbox:
    assert xmldirect.DirectoClient(sandbox.url, "DEMO-TOKEN").check_connection()
print("directo-sandbox (installed) answers with the codec of the installed addon")
PY
    fresh=directo_fresh
    wheel_odoo -d "$fresh" -i directo_connector --stop-after-init --no-http
    where=$(wheel_odoo shell --no-http -d "$fresh" <<'PY' 2>/dev/null | tail -n 1
from odoo.modules.module import get_module_path
print(get_module_path("directo_connector"))
PY
)
    echo "$fresh: directo_connector installed from $where"
    case "$where" in "$wheel_venv"/*/odoo/addons/directo_connector) ;; *) status=1 ;; esac
    result=$(uninstall_check "$fresh" "$wpy" "$wheel_conf")
    echo "$fresh: $result"
    [ "$result" = "uninstall: uninstalled models left: 0 fields left: 0" ] || status=1
else
    loud "no addon wheel was built: the wheel install was NOT tried"
    status=1
fi

# Exactly-once as production runs it: a multi-process Odoo (2 workers, a cron worker), four
# Invoicing users over JSON-RPC and faults injected into the sandbox (tools/multiworker_check.py).
log "multi-worker check: 2 workers + cron, 4 concurrent RPC users, faults, then settle"
"$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U odoo -T "$db" "${db}_mw"
"$py" tools/multiworker_check.py -c "$conf" -d "${db}_mw" || status=1

# Without Odoo's demo data (--no-demo-data), which would double the time of this step.
log "run_demo.sh: start it, log in over HTTP, open the Directo settings, stop it"
demo_port=$(free_port)
PYTHON="$PYTHON" ./run_demo.sh --port "$demo_port" --no-demo-data >"$work/demo.log" 2>&1 &
demo_pid=$!
"$py" tools/demo_smoke.py "http://127.0.0.1:$demo_port" --pid "$demo_pid" || status=1
# SIGTERM: a script started with & ignores SIGINT (Ctrl-C reaches it only in a terminal).
kill -TERM "$demo_pid" 2>/dev/null || true
wait "$demo_pid" || true
demo_dir=$(sed -n 's/.*are down, \(.*\) is removed\./\1/p' "$work/demo.log")
if [ -n "$demo_dir" ] && [ ! -e "$demo_dir" ] \
    && ! "$py" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' \
        "$demo_port" 2>/dev/null; then
    echo "run_demo.sh stopped Odoo (port $demo_port closed), the sandbox and PostgreSQL and removed $demo_dir"
else
    echo "run_demo.sh did not clean up; its output:"
    tail -n 40 "$work/demo.log"
    status=1
fi

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
# HTTP server for the tours (pytest-odoo skips HttpCase tests without it) on the free port
# of the configuration; a tour that cannot start a browser fails instead of being skipped
# (DIRECTO_REQUIRE_BROWSER).
log "Odoo tests (pytest-odoo, database $db)"
echo "http_port = $(free_port)" >>"$conf"
# Odoo's log of the test run goes to a file (pytest captures the terminal's), at level warn
# (pytest-odoo's default, critical, would hide ERROR lines): like OCA's CI, an ERROR or
# CRITICAL line of Odoo's log fails the run even when every test passed. Left out: the one
# line pytest-odoo itself causes at start-up (it imports odoo.tests before any test mode).
test_log="$work/odoo-tests.log"
echo "logfile = $test_log" >>"$conf"
set +e
DIRECTO_REQUIRE_BROWSER=1 "$py" -m pytest -p no:cacheprovider --odoo-config "$conf" \
    --odoo-database "$db" --odoo-log-level warn --odoo-http directo_connector/tests
rc=$?
set -e
[ $rc -eq 0 ] || status=1
log_errors='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (ERROR|CRITICAL) '
pytest_odoo_start='odoo\.tests\.common: Importing test framework, avoid importing'
if grep -E "$log_errors" "$test_log" | grep -Evq "$pytest_odoo_start"; then
    loud "the Odoo test log has ERROR/CRITICAL lines (mute expected errors with mute_logger):"
    grep -E "$log_errors" "$test_log" | grep -Ev "$pytest_odoo_start" | head -n 100
    status=1
else
    echo "Odoo test log: no ERROR or CRITICAL line ($(wc -l <"$test_log") lines)"
fi
exit $status

