# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""With the user's language set to Estonian, the addon's screens show none of its English strings.

Loads ``i18n/et.po`` into ``et_EE`` and renders every view of the addon the way the web client
gets it (``get_views`` with ``lang=et_EE``): the settings block, the invoice form, list and
filters, the exchanges, the receipts, the import runs and previews, the export problems
dialog, the journal, tax, partner, product and resource views. Inherited views are rendered
through the core view they extend, with ``inherit_branding`` so that each node is attributed
to the view that put it there; only the addon's own nodes are judged (core strings are
Odoo's own translation's business).
"""

from collections import defaultdict

import polib
from lxml import etree

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, new_test_user, tagged

MODULE = "directo_connector"
LANG = "et_EE"
# Attributes of view nodes whose values Odoo translates (see odoo.tools.translate).
TRANSLATED_ATTRIBUTES = (
    "string",
    "help",
    "placeholder",
    "title",
    "confirm",
    "sum",
    "avg",
    "aria-label",
    "alt",
    "data-tooltip",
)
# The screens the issue names; each must be among the rendered ones.
MAIN_VIEWS = {
    "res_config_settings_view_form",
    "view_move_form_directo",
    "view_move_form_directo_payment",
    "view_invoice_tree_directo",
    "view_invoice_tree_directo_payment",
    "view_account_invoice_filter_directo",
    "directo_exchange_view_list",
    "directo_exchange_view_form",
    "directo_receipt_view_list",
    "directo_receipt_view_form",
    "directo_import_view_form",
    "directo_client_import_line_view_list",
    "directo_article_import_line_view_list",
    "directo_export_wizard_view_form",
    "res_users_view_list_directo_resources",
    "directo_reconciliation_view_list",
    "directo_reconciliation_view_form",
    "directo_reconciliation_line_view_list",
}


def normalize(text):
    return " ".join((text or "").split())


def own_texts(arch, view_ids):
    """{view id: [texts and translated attribute values of the nodes that view added]}."""
    texts = defaultdict(list)

    def walk(node, owner):
        owner = int(node.get("data-oe-id", owner or 0)) or owner
        if owner in view_ids:
            texts[owner].append(node.text)
            texts[owner].extend(node.get(attribute) for attribute in TRANSLATED_ATTRIBUTES)
        for child in node.iterchildren(tag=etree.Element):
            walk(child, owner)
            if owner in view_ids:
                texts[owner].append(child.tail)

    walk(arch, None)
    return {
        view_id: {normalize(t) for t in values if normalize(t)} for view_id, values in texts.items()
    }


@tagged("post_install", "-at_install")
class TestEstonianViews(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(LANG)
        cls.env["ir.module.module"]._load_module_terms([MODULE], [LANG], overwrite=True)
        cls.env.registry.clear_cache("templates")
        cls.user = new_test_user(
            cls.env,
            login="directo_estonian",
            groups="base.group_system,base.group_multi_company,account.group_account_manager",
            lang=LANG,
        )
        i18n = f"{get_module_path(MODULE)}/i18n"
        cls.estonian = {e.msgid: e.msgstr for e in polib.pofile(f"{i18n}/et.po") if e.msgstr}
        # Template entries by occurrence, e.g. "model_terms:ir.ui.view,arch_db:<xmlid>".
        cls.terms = defaultdict(set)
        for entry in polib.pofile(f"{i18n}/{MODULE}.pot"):
            for occurrence, _line in entry.occurrences:
                cls.terms[occurrence].add(entry.msgid)
        cls.views = cls.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "ir.ui.view")]
        )

    def _translated(self, msgid):
        """The Estonian text, or None when it reads the same in both languages (e.g. 'ID')."""
        translation = self.estonian.get(msgid)
        self.assertTrue(translation, f"no Estonian translation for {msgid!r}")
        return translation if normalize(translation) != normalize(msgid) else None

    def _rendered(self):
        """Yield (root view, get_views() answer in Estonian, {our view id: xml id}) per screen."""
        ours = {data.res_id: data.name for data in self.views}
        by_root = defaultdict(dict)
        for view in self.env["ir.ui.view"].browse(list(ours)):
            root = view
            while root.mode != "primary":
                root = root.inherit_id
            by_root[root][view.id] = ours[view.id]
        for root, members in by_root.items():
            model = self.env[root.model].with_user(self.user)
            model = model.with_context(lang=LANG, inherit_branding=True)
            yield root, model.get_views([(root.id, root.type)]), members

    def test_views_show_no_english_string_of_the_addon(self):
        english_left, checked, translated_seen = [], set(), defaultdict(int)
        for root, answer, members in self._rendered():
            arch = etree.fromstring(answer["views"][root.type]["arch"])
            texts = own_texts(arch, set(members))
            for view_id, xmlid in members.items():
                checked.add(xmlid)
                for msgid in self.terms[f"model_terms:ir.ui.view,arch_db:{MODULE}.{xmlid}"]:
                    translation = self._translated(msgid)
                    if translation is None:
                        continue
                    if normalize(msgid) in texts.get(view_id, ()):
                        english_left.append(f"{xmlid}: {msgid!r}")
                    if normalize(translation) in texts.get(view_id, ()):
                        translated_seen[xmlid] += 1
        self.assertLessEqual(MAIN_VIEWS, checked)
        self.assertFalse(
            english_left, "English left in Estonian views:\n" + "\n".join(english_left)
        )
        # The check above looked at real, translated content on the main screens.
        views_with_terms = {
            xmlid
            for xmlid in MAIN_VIEWS
            if any(
                self._translated(m)
                for m in self.terms[f"model_terms:ir.ui.view,arch_db:{MODULE}.{xmlid}"]
            )
        }
        self.assertTrue(views_with_terms)
        self.assertEqual(
            views_with_terms,
            {x for x in views_with_terms if translated_seen[x]},
            "screens whose Estonian strings were not found in the rendered view",
        )

    def test_field_labels_help_and_choices_are_estonian(self):
        english_left, checked = set(), 0
        for _root, answer, _members in self._rendered():
            for model_name, description in answer["models"].items():
                table = model_name.replace(".", "_")
                for name, field in description["fields"].items():
                    key = f"{MODULE}.field_{table}__{name}"
                    expected = [
                        (f"model:ir.model.fields,field_description:{key}", field.get("string")),
                        (f"model:ir.model.fields,help:{key}", field.get("help")),
                    ]
                    for value, label in field.get("selection") or []:
                        selection_key = f"{MODULE}.selection__{table}__{name}__{value}"
                        expected.append(
                            (f"model:ir.model.fields.selection,name:{selection_key}", label)
                        )
                    for occurrence, shown in expected:
                        for msgid in self.terms.get(occurrence, ()):
                            checked += 1
                            if normalize(shown) != normalize(self.estonian.get(msgid)):
                                english_left.add(f"{occurrence}: {shown!r}")
        self.assertGreater(checked, 100)
        self.assertFalse(english_left, "\n".join(sorted(english_left)))

    def test_menus_and_actions_are_estonian(self):
        records = self.env["ir.model.data"].search(
            [
                ("module", "=", MODULE),
                ("model", "in", ("ir.ui.menu", "ir.actions.act_window", "ir.actions.server")),
            ]
        )
        english_left, checked = [], 0
        for data in records:
            record = self.env[data.model].with_context(lang=LANG).browse(data.res_id)
            for field in ("name", "help"):
                for msgid in self.terms.get(f"model:{data.model},{field}:{MODULE}.{data.name}", ()):
                    checked += 1
                    if normalize(record[field]) != normalize(self.estonian[msgid]):
                        english_left.append(f"{data.model} {data.name}.{field}: {record[field]!r}")
                for msgid in self.terms.get(
                    f"model_terms:{data.model},{field}:{MODULE}.{data.name}", ()
                ):
                    checked += 1
                    if normalize(self.estonian[msgid]) not in normalize(record[field]):
                        english_left.append(f"{data.model} {data.name}.{field}: {record[field]!r}")
        self.assertGreater(checked, 20)
        self.assertFalse(english_left, "\n".join(english_left))
