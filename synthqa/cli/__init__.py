"""`python -m synthqa …`: the command line (main.py holds the parser)."""
