"""The demo's Directo set-up, run in ``odoo shell`` (``run_demo.sh`` and ``docker compose``).

Points the current company at the Directo sandbox (``DIRECTO_URL``, key ``DIRECTO_TOKEN``,
``DEMO-TOKEN`` by default), switches the invoice export on, clicks **Connect** (which reads
Directo's codes and queues the client import) and confirms the mappings Odoo proposes
(*Review mappings → Confirm all*: the sales taxes get the sandbox's VAT codes of their rate,
the administrator its object ``ADMIN``), so that the first export needs no configuration.
"""

import os

env = globals()["env"]  # given by odoo shell
company = env.company
company.write(
    {
        "directo_url": os.environ["DIRECTO_URL"],
        "directo_token": os.environ.get("DIRECTO_TOKEN", "DEMO-TOKEN"),
        "directo_invoice_export": True,
    }
)
company.action_directo_connect()
Mapping = env["directo.mapping.wizard"]
screen = Mapping.browse(Mapping._open_for(company)["res_id"])
mapped = screen.line_ids.filtered("code_id")
screen.action_confirm_all()
env.cr.commit()
print(
    "%s (chart %s): Directo %s, %s tax(es) and user(s) mapped to Directo's codes"
    % (company.name, company.chart_template, company.directo_connection_state, len(mapped))
)
