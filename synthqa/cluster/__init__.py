"""Embedding and answer checks as Ray Data jobs on a cluster."""
