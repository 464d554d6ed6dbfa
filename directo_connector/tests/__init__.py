from . import test_connection
from . import test_paid_status
