from . import directo_export_wizard
