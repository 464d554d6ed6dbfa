# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The committed translation template is what Odoo's own export makes of the source.

A string added to the Python code or the XML data without regenerating
``i18n/directo_connector.pot`` (``odoo-bin --i18n-export``, see the README) fails here: it
could then never be translated.
"""

import io

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

MODULE = "directo_connector"


def template_path():
    return f"{get_module_path(MODULE)}/i18n/{MODULE}.pot"


def msgids(po):
    return {entry.msgid for entry in po if not entry.obsolete}


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    def _regenerated_template(self):
        """The template exactly as ``odoo-bin --i18n-export`` writes it for this addon."""
        buffer = io.BytesIO()
        trans_export(None, [MODULE], buffer, "po", self.env.cr)
        return polib.pofile(buffer.getvalue().decode())

    def test_template_msgids_equal_the_regenerated_ones(self):
        template = self._regenerated_template()
        occurrences = [occurrence for entry in template for occurrence, _line in entry.occurrences]
        # The export read this addon's Python code, its views and its models, and only them.
        kinds = {occurrence.split(":", 1)[0] for occurrence in occurrences}
        self.assertLessEqual({"code", "model", "model_terms"}, kinds)
        foreign = [o for o in occurrences if f"{MODULE}." not in o and f"/{MODULE}/" not in o]
        self.assertFalse(foreign)
        regenerated = msgids(template)
        committed = msgids(polib.pofile(template_path()))
        missing = sorted(regenerated - committed)
        stale = sorted(committed - regenerated)
        hint = " Regenerate i18n/%s.pot (README, Translations) and update the .po files." % MODULE
        self.assertFalse(
            missing,
            "%d string(s) of the source are not in the template: %s.%s"
            % (len(missing), "; ".join(missing[:10]), hint),
        )
        self.assertFalse(
            stale,
            "%d string(s) of the template are no longer in the source: %s.%s"
            % (len(stale), "; ".join(stale[:10]), hint),
        )
