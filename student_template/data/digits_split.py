"""Writes digits.npz: the 8 x 8 handwritten digits with a fixed train/validation/test split.

The data is UCI's "Optical Recognition of Handwritten Digits" test set as scikit-learn ships it
(``sklearn/datasets/data/digits.csv.gz``, kept here as ``digits.csv.gz``): 1,797 images of 8 x 8
integer pixels in 0..16, each row 64 pixels then the label. See DIGITS.md for origin and licence.

digits.npz holds ``X_train`` (1197, 8, 8), ``y_train``, ``X_val`` (300, 8, 8), ``y_val``,
``X_test`` (300, 8, 8), ``y_test``: pixels as uint8 in 0..16, labels as int64 in 0..9. The split is
a permutation from a fixed seed, stratified by class so each part has every digit in the
proportions of the whole. Assignments scale pixels themselves (divide by 16).

    python assignments/data/digits_split.py     # rewrites digits.npz; the output is deterministic
"""

import io
import gzip
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 182
SIZES = {"val": 300, "test": 300}


def load_csv(path: Path = HERE / "digits.csv.gz") -> tuple[np.ndarray, np.ndarray]:
    """Pixels (1797, 8, 8) uint8 and labels (1797,) int64 from scikit-learn's CSV."""
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    return table[:, :64].reshape(-1, 8, 8).astype(np.uint8), table[:, 64]


def split(y: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Row indices of each part, stratified by class, from ``rng``."""
    ranks = np.empty(len(y))
    for c in range(10):
        members = rng.permutation(np.flatnonzero(y == c))
        # spread each class evenly over (0, 1): cutting the sorted ranks then takes every class in proportion
        ranks[members] = (np.arange(len(members)) + rng.random()) / len(members)
    dealt = np.argsort(ranks, kind="stable")
    parts, start = {}, 0
    for name, size in SIZES.items():
        parts[name] = np.sort(dealt[start:start + size])
        start += size
    parts["train"] = np.sort(dealt[start:])
    return parts


def main() -> None:
    X, y = load_csv()
    parts = split(y, np.random.default_rng(SEED))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{f"{kind}_{name}": array[parts[name]]
                                   for name in ("train", "val", "test") for kind, array in (("X", X), ("y", y))})
    (HERE / "digits.npz").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
