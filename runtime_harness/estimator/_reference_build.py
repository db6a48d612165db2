"""Child process that converts one reference architecture with the real TFLiteConverter.

An :mod:`edge_sdk.core.child` child (request: ``spec``, ``quant``, ``out``), started by
:func:`runtime_harness.estimator.reference_models.build_tflite`; TensorFlow never loads in the caller.
The small architectures (SqueezeNet, SSDLite MobileNetV2, ResNet-18) are defined here from their papers.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def handle(request: dict[str, Any]) -> None:
    """Build, convert and write ``request["out"]`` atomically."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf
    from keras import layers

    from edge_sdk.core.atomic import atomic_write_bytes

    spec, quant, out = request["spec"], request["quant"], request["out"]
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
        kwargs: dict[str, Any] = {"weights": None, "input_shape": shape}
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
    atomic_write_bytes(out, conv.convert())


if __name__ == "__main__":
    from edge_sdk.core.child import serve

    sys.exit(serve(handle))
