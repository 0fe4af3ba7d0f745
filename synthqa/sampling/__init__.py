"""Samplers: one protocol, several backends (transformers, OpenAI-compatible HTTP, vLLM)."""
