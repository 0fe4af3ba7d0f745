"""Background jobs: a table outside the store (SQLite), a local runner; see table.py, local.py."""
