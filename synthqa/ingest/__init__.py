"""The import path: readers and adapters, the trace record, staging, rows, the one-transaction commit, the inbox and its watcher."""
