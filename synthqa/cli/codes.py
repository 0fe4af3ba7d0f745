"""The command line's exit codes, shared by every verb."""
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY, EXIT_DAMAGED = 0, 1, 2, 3, 4, 5
EXIT_CODES = """exit codes:
  0  done (an import queued into a busy workspace's inbox counts as done)
  1  failed: nothing imported (missing or empty file, every record bad)
  2  usage error
  3  partly done: some records were bad and skipped (each is named with file and line)
  4  the store is held by another process (e.g. the dashboard); import queues instead
  5  the store file is damaged: the message says how to restore a backup"""
