from . import directo_export_wizard
from . import directo_replace_wizard
from . import directo_customer_wizard
from . import directo_mapping_wizard
