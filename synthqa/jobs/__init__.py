"""Background jobs: a table outside the store (SQLite), the local and Ray backends; see
runner.py (the entry point), table.py, local.py, ray.py."""
