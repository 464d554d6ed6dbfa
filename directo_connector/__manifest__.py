# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Directo Connector",
    "summary": "Export invoices to Directo, import clients and articles, "
    "fetch paid status (XML Direct)",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/directo-connector/directo_connector",
    "author": "directo_connector contributors",
    "license": "LGPL-3",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["lxml", "requests"]},
    "data": [
        "security/directo_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/ir_cron_export.xml",
        "views/directo_exchange_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_move_views.xml",
        "views/account_journal_views.xml",
        "wizards/directo_export_wizard_views.xml",
        "views/directo_menus.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
    ],
    "installable": True,
    "application": False,
}
