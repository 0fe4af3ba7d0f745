"""Seeded samples that do not depend on the order rows came in: the report's subsets."""
from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 0


def sample(values, limit: int, seed: int = SEED) -> list:
    """A seeded random sample that does not depend on the order the values came in."""
    values = sorted(values)
    if len(values) <= limit:
        return values
    rng = np.random.default_rng(seed)
    return [values[i] for i in sorted(rng.choice(len(values), limit, replace=False))]


def sample_rows(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    return frame if len(frame) <= limit else frame.sample(limit, random_state=SEED)
