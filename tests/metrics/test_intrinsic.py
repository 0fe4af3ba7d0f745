import numpy as np
import pytest

from synthqa.metrics.intrinsic import mle_intrinsic_dimension


def _embedded(d: int, ambient: int = 40, n: int = 2000, seed: int = 0) -> np.ndarray:
    """n points uniform in a d-dimensional cube, rotated into `ambient` dimensions."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(ambient, d)))
    return rng.uniform(size=(n, d)) @ basis.T


@pytest.mark.parametrize("d", [2, 4, 6])
def test_the_mle_finds_the_dimension_of_a_flat_cube(d):
    assert mle_intrinsic_dimension(_embedded(d), metric="euclidean") == pytest.approx(d, rel=0.15)


def test_with_cosine_distance_an_offset_subspace_keeps_its_dimension():
    """Directions of points on a flat patch far from the origin form a patch of the sphere
    of the same dimension."""
    x = _embedded(4, ambient=40) + 10 * np.eye(40)[0]
    assert mle_intrinsic_dimension(x) == pytest.approx(4, rel=0.15)


def test_too_few_distinct_points_give_nan():
    x = np.repeat(_embedded(3, n=10), 5, axis=0)     # 50 rows, 10 distinct
    assert np.isnan(mle_intrinsic_dimension(x))
