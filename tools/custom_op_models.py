"""One-op models of the custom ops the stock runtimes register, with valid options.

They prove ``edge_sdk/data/custom_ops.toml`` against the real runtimes (a custom op's kernel reads
its flexbuffer options when the interpreter is built, so an empty-options model would only crash).
Shapes follow the kernels' own tests: an SSD post-processing head (8 anchors, 3 classes), and the
audio front end of the TF speech-commands models (1,024 samples -> spectrogram -> 13 MFCCs).
"""

from __future__ import annotations

import numpy as np
from flatbuffers import flexbuffers

from edge_sdk.graph.synth import ModelSpec, Op, Subgraph, Tensor, build


def detection_postprocess() -> bytes:
    anchors, classes = 8, 3
    options = flexbuffers.Dumps({
        "max_detections": 4, "max_classes_per_detection": 1, "detections_per_class": 4,
        "use_regular_nms": False, "nms_score_threshold": 0.3, "nms_iou_threshold": 0.6,
        "num_classes": classes, "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0,
    })
    boxes = np.tile(np.array([[0.5, 0.5, 0.2, 0.2]], np.float32), (anchors, 1))
    tensors = [Tensor([1, anchors, 4]), Tensor([1, anchors, classes + 1]), Tensor([anchors, 4], data=boxes),
               Tensor([1, 4, 4]), Tensor([1, 4]), Tensor([1, 4]), Tensor([1])]
    op = Op("TFLite_Detection_PostProcess", [0, 1, 2], [3, 4, 5, 6], custom=True, custom_options=bytes(options))
    return build(ModelSpec([Subgraph(tensors, [op], [0, 1], [3, 4, 5, 6])]))


def audio_spectrogram() -> bytes:
    options = flexbuffers.Dumps({"window_size": 256, "stride": 128, "magnitude_squared": True})
    op = Op("AudioSpectrogram", [0], [1], custom=True, custom_options=bytes(options))
    return build(ModelSpec([Subgraph([Tensor([1024, 1]), Tensor([1, 7, 129])], [op], [0], [1])]))


def mfcc() -> bytes:
    options = flexbuffers.Dumps({"upper_frequency_limit": 4000.0, "lower_frequency_limit": 20.0,
                                 "filterbank_channel_count": 40, "dct_coefficient_count": 13})
    tensors = [Tensor([1, 7, 129]), Tensor([1], "int32", data=np.array([16000], np.int32)), Tensor([1, 7, 13])]
    op = Op("Mfcc", [0, 1], [2], custom=True, custom_options=bytes(options))
    return build(ModelSpec([Subgraph(tensors, [op], [0], [2])]))


MODELS = {"TFLite_Detection_PostProcess": detection_postprocess, "AudioSpectrogram": audio_spectrogram,
          "Mfcc": mfcc}
