from . import test_connection
from . import test_export
from . import test_external_codes
from . import test_import
from . import test_paid_status
from . import test_i18n_template
from . import test_i18n_views
from . import test_production_safety
