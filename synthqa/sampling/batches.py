"""Batches by a token budget, for every local forward pass (PRM scoring, generate calls): rows
of similar lengths share a batch, and a batch's padded size stays within what the device
holds."""
from __future__ import annotations

from collections.abc import Sequence


def token_batches(lengths: Sequence[int], budget: int | None,
                  max_rows: int | None = None) -> list[list[int]]:
    """Indices of the rows, longest first, in batches whose padded size (rows x longest row)
    stays within `budget` tokens (None: no bound) and of at most `max_rows` rows: similar
    lengths share a batch, so little is padding. A row longer than the budget is alone."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else None
        if last is not None and (max_rows is None or len(last) < max_rows) and (
                budget is None or len(last) + 1 <= budget // max(1, lengths[last[0]])):
            last.append(i)
        else:
            batches.append([i])
    return batches
