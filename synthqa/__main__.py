"""`python -m synthqa …`: the command line."""
import sys

from synthqa.cli.main import main

sys.exit(main())
