#!/bin/sh
# Odoo of docker-compose.yml (`docker compose up`), the official odoo:18 image.
#
# On the first start it creates the database directo_demo the way ./run_demo.sh does: Odoo's
# base with its demo data, the company moved to Estonia (so that installing `account` applies
# the Estonian chart), directo_connector, then (tools/demo_connect.py, once the Directo
# sandbox answers) Connect and the proposed mappings confirmed: the sales taxes get the
# sandbox's VAT codes of their rate, the administrator its object. Then, and on every later
# start, it serves Odoo. Extra arguments go to that last Odoo command.
#
# The image's entrypoint passes the database connection only to a command named `odoo`, so it
# is given here from the same environment (HOST, PORT, USER, PASSWORD of docker-compose.yml).
set -eu

odoo=${ODOO_BIN:-odoo}
python=${PYTHON:-python3}
db=${DIRECTO_DB:-directo_demo}
sandbox=${DIRECTO_URL:-http://127.0.0.1:8800/xmlcore/cap_xml_direct/xmlcore.asp}
tools=$(dirname "$0")
host=${HOST:-db}
port=${PORT:-5432}
user=${USER:-odoo}
password=${PASSWORD:-odoo}
args="--db_host=$host --db_port=$port --db_user=$user --db_password=$password"
args="$args --addons-path=${ADDONS_PATH:-/mnt/extra-addons}"

database_exists() {
    "$python" - "$host" "$port" "$user" "$password" "$db" <<'PY'
import sys

import psycopg2

host, port, user, password, db = sys.argv[1:]
try:
    psycopg2.connect(host=host, port=port, user=user, password=password, dbname=db).close()
except psycopg2.OperationalError:
    sys.exit(1)
PY
}

sandbox_answers() {  # the sandbox container starts beside this one: wait up to 3 minutes
    "$python" - "$sandbox" <<'PY'
import sys
import time
import urllib.error
import urllib.request

deadline = time.monotonic() + 180
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], data=b"", timeout=5).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # it answered
    except OSError:
        time.sleep(2)
sys.exit(1)
PY
}

if ! database_exists; then
    echo "directo_demo: creating the database (Estonian company, directo_connector)"
    # shellcheck disable=SC2086
    $odoo $args -d "$db" -i base --stop-after-init
    # shellcheck disable=SC2086
    printf 'env.company.country_id = env.ref("base.ee")\nenv.cr.commit()\n' |
        $odoo shell $args -d "$db" --no-http >/dev/null
    # shellcheck disable=SC2086
    $odoo $args -d "$db" -i directo_connector --stop-after-init
    if sandbox_answers; then
        # shellcheck disable=SC2086
        DIRECTO_URL=$sandbox $odoo shell $args -d "$db" --no-http <"$tools/demo_connect.py" |
            tail -n 1
    else
        echo "directo_demo: the Directo sandbox did not answer: click Connect in the settings"
    fi
fi
# shellcheck disable=SC2086
exec $odoo $args -d "$db" --db-filter="^$db\$" "$@"
