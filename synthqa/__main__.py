"""`python -m synthqa …`: the command line."""
import sys

from synthqa.cli import main

sys.exit(main())
