"""`python -m simulators up`."""

import sys

from simulators.runner import main

sys.exit(main())
