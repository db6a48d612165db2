"""Accuracy-aware int8: which ops break it, keeping chosen ops in float, and the recipe search.

One calibration (TFLite's own, through ``tf.lite.experimental.QuantizationDebugger``) serves every
variant: full int8, int8 with ops kept float (the converter's ``denylisted_nodes``/``denylisted_ops``),
the per-op debug model (NumericVerify ops comparing each quantized op with its float twin).

- :mod:`converters.quantization.calibrated`: the calibrated model, its ops, and the variants
- :mod:`converters.quantization.report`: the per-op error report, most damaging op first
- :mod:`converters.quantization.selective`: ``keep_float`` names resolved against the model's ops
- :mod:`converters.quantization.auto`: ``recipe='auto'``, the ladder under an accuracy budget
"""
