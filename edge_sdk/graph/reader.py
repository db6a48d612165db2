"""Load a ``.tflite`` flatbuffer into plain Python records, or fail with one clear ``InputError``.

The generated flatbuffers accessors trust the file: on corrupt bytes they raise whatever the
underlying ``struct``/``numpy`` call raises, and a corrupt vector length can make a loop run for
billions of steps. So this module (1) checks the file itself (exists, not empty, the ``TFL3``
identifier, a root offset inside the file), (2) bounds every vector length by the bytes that are
really there and charges every element read to a budget proportional to the file size, and
(3) turns any failure while reading into an ``InputError`` that names the file and the cause.
Nothing outside this module touches the flatbuffer.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from edge_sdk.core.errors import InputError
from edge_sdk.core.files import read_bytes_input

IDENTIFIER = b"TFL3"
_HINT_TFLITE = "pass a .tflite file (convert a model first: edge-sdk convert MODEL -o model.tflite)"


@dataclass
class RawTensor:
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...] | None
    dtype_code: int
    buffer: int
    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    quantized_dimension: int
    is_variable: bool
    sparse: bool


@dataclass
class RawOperator:
    opcode_index: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    intermediates: tuple[int, ...]
    options_type: int
    options: dict[str, float]  # the builtin option fields the analysis uses (see _OPTION_FIELDS)


@dataclass
class RawSubgraph:
    name: str
    tensors: list[RawTensor]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    operators: list[RawOperator]


@dataclass
class RawOpcode:
    builtin_code: int
    custom_code: str | None
    version: int


@dataclass
class RawModel:
    path: Path
    size_bytes: int
    sha256: str
    schema_version: int
    description: str
    opcodes: list[RawOpcode]
    subgraphs: list[RawSubgraph]
    buffer_sizes: list[int]            # bytes of data per buffer (0 = no data: an activation)
    metadata: dict[str, bytes] = field(default_factory=dict)
    signature_keys: list[str] = field(default_factory=list)


class _Budget:
    """Bounds the work of reading a corrupt file: every element read costs one unit."""

    def __init__(self, data: bytes) -> None:
        self.size = len(data)
        self.left = 64 * len(data) + 10_000

    def length(self, n: int, elem_bytes: int, what: str) -> int:
        if n < 0 or n * elem_bytes > self.size:
            raise ValueError(f"{what} claims {n} entries, more than the file can hold")
        self.left -= n
        if self.left < 0:
            raise ValueError("the tables reference each other implausibly often (corrupt offsets)")
        return n


_SUFFIXES = {
    ".onnx": "an ONNX model (convert it first: edge-sdk convert MODEL.onnx -o model.tflite)",
    ".h5": "a Keras/HDF5 model (convert it first: edge-sdk convert MODEL.h5 -o model.tflite)",
    ".keras": "a Keras model (convert it first: edge-sdk convert MODEL.keras -o model.tflite)",
    ".pb": "a TensorFlow protobuf (convert its SavedModel directory first: edge-sdk convert DIR -o model.tflite)",
    ".pt": "a PyTorch file (export it to ONNX, then edge-sdk convert)",
    ".pth": "a PyTorch file (export it to ONNX, then edge-sdk convert)",
}


def _sniff_other_format(path: Path, data: bytes) -> str | None:
    """Name the format of a file that is clearly not a TFLite flatbuffer, for a better message."""
    head = data[:16]
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return _SUFFIXES[".h5"]
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (a .keras model or an .mltk.zip? a .tflite is not zipped)"
    if head[:1] in (b"{", b"["):
        return "a JSON file (an edge-sdk report? inspect reads the .tflite itself)"
    if path.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[path.suffix.lower()]
    if b"onnx" in data[:4096].lower() and b"ir_version" not in data[:16]:
        return "an ONNX model (convert it first: edge-sdk convert MODEL.onnx -o model.tflite)"
    return None


def read_file_bytes(path: str | os.PathLike[str]) -> tuple[Path, bytes]:
    """Read ``path`` fully, with the file-level checks (exists, regular file, not empty)."""
    p = Path(path)
    if p.is_dir():
        hint = "a SavedModel directory must be converted first: edge-sdk convert DIR -o model.tflite"
        raise InputError(f"{p}: is a directory, expected a .tflite file", hint=hint, path=str(p))
    p, data = read_bytes_input(p, ".tflite model")  # regular files only: /dev/zero or a FIFO never ends
    if not data:
        raise InputError(f"{p}: the file is empty (0 bytes), not a TFLite model",
                         hint="the file was probably not written completely; re-create it", path=str(p))
    return p, data


def is_tflite(head: bytes) -> bool:
    """True when ``head`` (a file's first 8 or more bytes) carries the TFLite flatbuffer identifier.

    The one place that knows where the identifier sits; format sniffing and every check use it.
    """
    return len(head) >= 8 and head[4:8] == IDENTIFIER


def check_identifier(path: Path, data: bytes) -> None:
    """Reject anything whose flatbuffer header is not a TFLite model's, naming what it looks like."""
    if len(data) < 8:
        raise InputError(f"{path}: only {len(data)} bytes long, too short to be a TFLite model "
                         "(truncated?)", hint=_HINT_TFLITE, path=str(path))
    if not is_tflite(data):
        other = _sniff_other_format(path, data)
        cause = f"it looks like {other}" if other else (
            f"bytes 4-8 are not the TFLite identifier {IDENTIFIER.decode()!r}")  # never echo a byte of it
        raise InputError(f"{path}: not a TFLite model: {cause}", hint=_HINT_TFLITE, path=str(path))
    root = int.from_bytes(data[0:4], "little")
    if root < 8 or root + 4 > len(data):
        raise InputError(f"{path}: corrupt or truncated TFLite file: the root table offset {root} "
                         f"lies outside the {len(data)}-byte file", hint="re-create or re-download it",
                         path=str(path))


def load(path: str | os.PathLike[str]) -> RawModel:
    """Read and validate a ``.tflite`` file; raise ``InputError`` for anything that is not one."""
    p, data = read_file_bytes(path)
    check_identifier(p, data)
    try:
        return _parse(p, data)
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"{p}: corrupt TFLite file (self-referencing tables)", path=str(p)) from None
    except Exception as exc:  # noqa: BLE001 - corrupt data makes the accessors raise anything
        raise InputError(
            f"{p}: corrupt or truncated TFLite file, cannot read its flatbuffer: {_explain(exc, len(data))}",
            hint="re-create the model (edge-sdk convert) or re-download it; the file may be cut short",
            path=str(p),
        ) from None


def _explain(exc: Exception, size: int) -> str:
    """Say what a low-level read failure means for the file, not which struct call failed."""
    text = str(exc)
    match = re.search(r"at offset (-?\d+)", text)
    if "unpack_from requires" in text and match:
        return (f"it points to byte {match.group(1)}, past its end ({size} bytes): "
                "the file was cut short (truncated) or its offsets are corrupt")
    if isinstance(exc, ValueError) and "buffer is smaller" in text:
        return f"a table reaches past the end of the {size}-byte file (truncated or corrupt)"
    return f"{type(exc).__name__}: {text[:160]}"


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", errors="replace") if raw else ""


def _ints(budget: _Budget, length: int, as_numpy, what: str, elem_bytes: int = 4) -> tuple[int, ...]:
    budget.length(length, elem_bytes, what)
    if length == 0:
        return ()
    return tuple(int(v) for v in as_numpy())


def _parse(p: Path, data: bytes) -> RawModel:
    from ai_edge_litert import schema_py_generated as fb

    budget = _Budget(data)
    model = fb.Model.GetRootAs(data, 0)
    opcodes = []
    for i in range(budget.length(model.OperatorCodesLength(), 4, "operator_codes")):
        code = model.OperatorCodes(i)
        builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
        custom = code.CustomCode()
        # version 0 does not exist in the schema (default 1); very old writers left it unset as 0
        opcodes.append(RawOpcode(builtin, _text(custom) if custom is not None else None, max(int(code.Version()), 1)))

    buffer_sizes = []
    for i in range(budget.length(model.BuffersLength(), 4, "buffers")):
        buf = model.Buffers(i)
        n = buf.DataLength()
        if n:
            budget.length(n, 1, f"buffer {i}")
            budget.left += n  # sizes are checked, bytes are not read
        external = int(buf.Size()) if buf.Offset() > 1 else 0
        buffer_sizes.append(n or external)

    subgraphs = [_parse_subgraph(fb, model.Subgraphs(i), i, budget, len(opcodes), len(buffer_sizes))
                 for i in range(budget.length(model.SubgraphsLength(), 4, "subgraphs"))]
    if not subgraphs:
        raise InputError(f"{p}: TFLite model with no subgraph (nothing to run)", path=str(p))

    metadata: dict[str, bytes] = {}
    for i in range(budget.length(model.MetadataLength(), 4, "metadata")):
        entry = model.Metadata(i)
        index = int(entry.Buffer())
        name = _text(entry.Name())
        if 0 <= index < len(buffer_sizes) and buffer_sizes[index] and buffer_sizes[index] <= 4096:
            metadata[name] = bytes(model.Buffers(index).DataAsNumpy().tobytes())
        else:
            metadata[name] = b""
    signature_keys = []
    for i in range(budget.length(model.SignatureDefsLength(), 4, "signature_defs")):
        signature_keys.append(_text(model.SignatureDefs(i).SignatureKey()))

    return RawModel(
        path=p, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
        schema_version=int(model.Version()), description=_text(model.Description()),
        opcodes=opcodes, subgraphs=subgraphs, buffer_sizes=buffer_sizes,
        metadata=metadata, signature_keys=signature_keys,
    )


def _parse_subgraph(fb, sub, index: int, budget: _Budget, n_opcodes: int, n_buffers: int) -> RawSubgraph:
    tensors = []
    for t in range(budget.length(sub.TensorsLength(), 4, f"subgraph {index} tensors")):
        tensors.append(_parse_tensor(sub.Tensors(t), budget, n_buffers, f"subgraph {index} tensor {t}"))
    n_tensors = len(tensors)

    def indices(values: tuple[int, ...], what: str, optional: bool = False) -> tuple[int, ...]:
        for v in values:
            if not (0 <= v < n_tensors or (optional and v == -1)):
                raise ValueError(f"{what} refers to tensor {v}, but subgraph {index} has {n_tensors}")
        return values

    operators = []
    for o in range(budget.length(sub.OperatorsLength(), 4, f"subgraph {index} operators")):
        op = sub.Operators(o)
        opcode_index = int(op.OpcodeIndex())
        if not 0 <= opcode_index < n_opcodes:
            raise ValueError(f"operator {o} uses opcode {opcode_index}, but the model has {n_opcodes}")
        where = f"subgraph {index} operator {o}"
        options_type = int(op.BuiltinOptionsType())
        operators.append(RawOperator(
            opcode_index=opcode_index,
            inputs=indices(_ints(budget, op.InputsLength(), op.InputsAsNumpy, where), where, optional=True),
            outputs=indices(_ints(budget, op.OutputsLength(), op.OutputsAsNumpy, where), where, optional=True),
            intermediates=indices(_ints(budget, op.IntermediatesLength(), op.IntermediatesAsNumpy, where),
                                  where, optional=True),
            options_type=options_type,
            options=_options(fb, op, options_type),
        ))
    where = f"subgraph {index}"
    return RawSubgraph(
        name=_text(sub.Name()),
        tensors=tensors,
        inputs=indices(_ints(budget, sub.InputsLength(), sub.InputsAsNumpy, where + " inputs"), where),
        outputs=indices(_ints(budget, sub.OutputsLength(), sub.OutputsAsNumpy, where + " outputs"), where),
        operators=operators,
    )


def _parse_tensor(tensor, budget: _Budget, n_buffers: int, where: str) -> RawTensor:
    shape = _ints(budget, tensor.ShapeLength(), tensor.ShapeAsNumpy, where + " shape")
    if any(d < -1 for d in shape):
        raise ValueError(f"{where} has a negative dimension {shape}")
    signature = None
    if tensor.ShapeSignatureLength():
        signature = _ints(budget, tensor.ShapeSignatureLength(), tensor.ShapeSignatureAsNumpy, where)
    buffer = int(tensor.Buffer())
    if not 0 <= buffer < max(n_buffers, 1):
        raise ValueError(f"{where} refers to buffer {buffer}, but the model has {n_buffers}")
    scale: tuple[float, ...] = ()
    zero: tuple[int, ...] = ()
    qdim = 0
    quant = tensor.Quantization()
    if quant is not None:
        n = budget.length(quant.ScaleLength(), 4, where + " scales")
        if n:
            scale = tuple(float(v) for v in quant.ScaleAsNumpy())
        n = budget.length(quant.ZeroPointLength(), 8, where + " zero points")
        if n:
            zero = tuple(int(v) for v in quant.ZeroPointAsNumpy())
        qdim = int(quant.QuantizedDimension())
    return RawTensor(
        name=_text(tensor.Name()), shape=shape, shape_signature=signature,
        dtype_code=int(tensor.Type()), buffer=buffer, scale=scale, zero_point=zero,
        quantized_dimension=qdim, is_variable=bool(tensor.IsVariable()),
        sparse=tensor.Sparsity() is not None,
    )


# Option fields the analysis reads (filter sizes for pooling, adjoint flags for BATCH_MATMUL,
# strides for reports, subgraph indexes of control-flow ops). Read eagerly, inside the guarded parse.
_OPTION_FIELDS = (
    "FilterWidth", "FilterHeight", "StrideW", "StrideH", "StrideD", "Padding",
    "DilationWFactor", "DilationHFactor", "DepthMultiplier", "FusedActivationFunction",
    "AdjX", "AdjY", "AdjointLhs", "AdjointRhs", "KeepNumDims", "WeightsFormat", "AsymmetricQuantizeInputs",
    "CondSubgraphIndex", "BodySubgraphIndex", "ThenSubgraphIndex", "ElseSubgraphIndex",
    "InitSubgraphIndex", "Subgraph", "Beta",
)
_OPTION_CLASSES: dict[int, str] = {}


def _options(fb, op, options_type: int) -> dict[str, float]:
    """The builtin option fields of ``op`` that the analysis needs, as plain numbers."""
    if options_type == 0:
        return {}
    if not _OPTION_CLASSES:
        _OPTION_CLASSES.update({v: k for k, v in vars(fb.BuiltinOptions).items() if isinstance(v, int)})
    table = op.BuiltinOptions()
    cls = getattr(fb, _OPTION_CLASSES.get(options_type, ""), None)
    if table is None or cls is None:
        return {}
    options = cls()
    options.Init(table.Bytes, table.Pos)
    values = {}
    for name in _OPTION_FIELDS:
        getter = getattr(options, name, None)
        if callable(getter):
            value = getter()
            values[name] = float(value) if isinstance(value, float) else int(value)
    return values
