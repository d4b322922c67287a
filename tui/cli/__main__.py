"""`python -m tui.cli …`: the `stepscope` command."""

import sys

from tui.cli.main import main

sys.exit(main())
