"""Tiny Keras-family source models (.keras, legacy .h5, SavedModel), built once per session in one child."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BUILD = r'''
import sys
import keras

out = sys.argv[1]
model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                          keras.layers.Dense(3, activation="softmax")])
model.save(f"{out}/m.keras")
model.save(f"{out}/m.h5")          # the legacy HDF5 format
model.export(f"{out}/saved")       # a TensorFlow SavedModel folder
'''


@pytest.fixture(scope="session")
def tiny_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with m.keras, m.h5 and saved/ (a SavedModel): [N, 8, 8, 1] -> 3 classes.

    Tests copy what they use: these files are shared by the whole session.
    """
    root = tmp_path_factory.mktemp("tiny_sources")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", BUILD, str(root)], check=True, env=env, capture_output=True, timeout=600)
    return root
