"""Load a PyTorch model (imports torch): a torch.export program, a factory, TorchScript or a pickle.

Runs only inside isolated processes: the conversion child (eager reference outputs) and the
litert-torch / torch.onnx.export child. Every failure a user can cause becomes an InputError that
names the cause (the file, the module path, the example shape), never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from converters.torch_spec import INSTALL_HINT, ExampleInput
from edge_sdk.core.errors import InputError, UsageError


def import_torch() -> Any:
    """torch, or a UsageError (exit 2) with the one command that installs the optional extra."""
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        raise UsageError("PyTorch sources need the optional PyTorch extra, which is not installed",
                         hint=INSTALL_HINT) from None
    return torch


@dataclass
class TorchModel:
    """A callable eager model, the example arguments it is traced with and its input names."""

    module: Any            # nn.Module (or the ExportedProgram's module, or a ScriptModule)
    examples: tuple[Any, ...]
    names: list[str]
    program: Any = None    # the ExportedProgram of a .pt2 source
    kind: str = ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}".rstrip(": ")


def example_tensors(specs: list[ExampleInput], seed: int = 0) -> tuple[Any, ...]:
    torch = import_torch()
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        if spec.dtype in ("float32", "float16", "bfloat16"):
            array = rng.uniform(-1.0, 1.0, spec.shape).astype(np.float32)
            out.append(torch.from_numpy(array).to(getattr(torch, spec.dtype)))
        elif spec.dtype == "bool":
            out.append(torch.from_numpy(rng.integers(0, 2, spec.shape).astype(bool)))
        else:
            out.append(torch.from_numpy(rng.integers(0, 2, spec.shape)).to(getattr(torch, spec.dtype)))
    return tuple(out)


def _factory(spec: str, path: Path) -> Any:
    """Import the factory's module (the current directory on the path, as ``python -m``) and call it."""
    torch = import_torch()
    module_name, _, function = spec.rpartition(":")
    if not module_name.endswith(".py"):  # the folder the module was found in (factory_file), as the parent saw it
        levels = module_name.count(".") + (1 if path.name == "__init__.py" else 0)
        root = str(path.parents[levels])
        if root not in sys.path:
            sys.path.insert(0, root)
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        if module_name.endswith(".py"):
            loader_spec = importlib.util.spec_from_file_location(Path(module_name).stem, path)
            module = importlib.util.module_from_spec(loader_spec)  # type: ignore[arg-type]
            loader_spec.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - the user's code: its own error, named
        raise InputError(f"torch={spec!r}: importing {module_name} ({path}) failed: {_first_line(exc)}",
                         hint="fix the module so that `python -c 'import MODULE'` works from this directory",
                         path=str(path), params=("torch",)) from None
    factory = getattr(module, function, None)
    if not callable(factory):
        raise InputError(f"torch={spec!r}: {module_name} ({path}) has no function {function!r}",
                         path=str(path), params=("torch",))
    try:
        model = factory()
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"torch={spec!r}: calling {function}() failed: {_first_line(exc)}",
                         hint="the factory is called with no arguments and must return an nn.Module",
                         path=str(path), params=("torch",)) from None
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"torch={spec!r}: {function}() returned a {type(model).__name__}, not a torch.nn.Module",
                         path=str(path), params=("torch",))
    return model


def _exported(path: Path) -> TorchModel:
    torch = import_torch()
    try:
        program = torch.export.load(str(path))
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign archive
        raise InputError(f"{path}: not a loadable torch.export program ({_first_line(exc)})",
                         hint="save it with torch.export.save(torch.export.export(model, (x,)), 'model.pt2') "
                              f"using torch {torch.__version__.split('+')[0]}", path=str(path)) from None
    examples = program.example_inputs
    if not examples or examples[1]:
        raise InputError(f"{path}: the program has no positional example inputs to convert with",
                         hint="export with positional arguments: torch.export.export(model, (x,))", path=str(path))
    user = [s.arg.name for s in program.graph_signature.input_specs if s.kind.name == "USER_INPUT"]
    return TorchModel(program.module(), tuple(examples[0]), user, program=program, kind="torch-export")


def _unpickled(path: Path, fmt: str) -> Any:
    torch = import_torch()
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # pickled modules name their classes by import path
    try:
        if fmt == "torchscript":
            return torch.jit.load(str(path), map_location="cpu")
        loaded = torch.load(str(path), map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{path}: torch could not load it: {_first_line(exc)}",
                         hint="a pickled module needs its class importable from the current directory",
                         path=str(path)) from None
    if isinstance(loaded, dict):
        raise InputError(f"{path}: holds weights only (a state_dict with {len(loaded)} entries), no architecture",
                         hint="pass torch=MODULE:FUNCTION, a function that builds the model and loads these weights",
                         path=str(path), params=("torch",))
    if not isinstance(loaded, torch.nn.Module):
        raise InputError(f"{path}: holds a {type(loaded).__name__}, not a torch.nn.Module", path=str(path))
    return loaded


def load_torch_model(fmt: str, path: Path, factory: str | None, examples: list[ExampleInput]) -> TorchModel:
    """The eager model in evaluation mode, checked to run on its example inputs."""
    torch = import_torch()
    if fmt == "torch-export":
        model = _exported(path)
    else:
        module = _factory(str(factory), path) if fmt == "torch-factory" else _unpickled(path, fmt)
        module.eval()
        forward = getattr(module, "forward", None)
        try:
            params = [p for p in inspect.signature(forward).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)] if forward else []
        except (TypeError, ValueError):  # TorchScript methods may hide their signature
            params = []
        names = [p.name for p in params][:len(examples)]
        names += [f"input_{i}" for i in range(len(names), len(examples))]
        model = TorchModel(module, example_tensors(examples), names, kind=fmt)
    what = f"torch={factory!r}" if fmt == "torch-factory" else str(path)
    shapes = ", ".join(str(list(t.shape)) + ("" if t.dtype == torch.float32 else f":{str(t.dtype)[6:]}")
                       for t in model.examples)
    try:
        with torch.no_grad():
            model.module(*model.examples)
    except Exception as exc:  # noqa: BLE001 - most often a wrong example shape
        raise InputError(f"{what}: forward() failed on the example input(s) {shapes}: {_first_line(exc)}",
                         hint="example_input must be the shape (batch first) and dtype forward() takes, once per "
                              "argument, e.g. example_input='1,3,224,224'", path=str(path),
                         params=("example_input",)) from None
    return model


def flatten_outputs(value: Any) -> list[np.ndarray]:
    """Tensors of a forward() result (tensor, tuple/list, dict by key order) as float/int numpy arrays."""
    if isinstance(value, dict):
        return [a for v in value.values() for a in flatten_outputs(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in flatten_outputs(v)]
    if hasattr(value, "detach"):
        tensor = value.detach().cpu()
        if tensor.dtype.is_floating_point:
            tensor = tensor.float()  # float16/bfloat16 outputs compare as float32
        return [tensor.numpy()]
    return []
