"""``edge-sdk convert``: a thin layer over :func:`converters.convert` (TensorFlow loads only on a real run)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from edge_sdk.cli.common import print_json
from edge_sdk.core.errors import EXIT_GATE_FAILED, EXIT_OK
from edge_sdk.core.table import wrap_text
from edge_sdk.core.units import format_bytes

DESCRIPTION = """Convert a Keras (.keras/.h5), SavedModel, ONNX or PyTorch model to a .tflite artifact, optionally
pruned and quantized, and measure what it cost: parity with the source model (max abs error, SQNR,
cosine, top-1 agreement) and, with labelled --eval-data, the accuracy drop. Writes OUT.tflite and
its manifest OUT.tflite.json atomically. Exit 1 when --max-accuracy-drop is exceeded (both files
are still written, the manifest marked failed).

examples:
  edge-sdk convert model.keras -o model_int8.tflite --recipe int8 --calibration-data calib.npz
  edge-sdk convert model.onnx -o model.tflite --quantize fp16
  edge-sdk convert audio.onnx -o audio.tflite --input-shape audio:1,76,32,1
  edge-sdk convert model.pt2 -o model_int8.tflite --recipe int8 --calibration-data calib.npz
  edge-sdk convert --torch mypkg.models:make_model --example-input 1,3,224,224 -o model.tflite [--via onnx]
  edge-sdk convert model.keras -o small.tflite --recipe prune-80-int8 --calibration-data calib.npz \\
      --fine-tune-data train.npz --epochs 2 --eval-data test.npz --max-accuracy-drop 1%
  edge-sdk convert model.keras -o m.tflite --recipe channels-50-int8 --calibration-data calib.npz --dry-run"""


def _recipes_text() -> str:
    from converters.recipes import load_recipes

    recipes = load_recipes()
    width = max(len(name) for name in recipes)
    return "\n".join(f"  {name:<{width}}  {r.get('description', '')}" for name, r in recipes.items())


DESCRIPTION += "\n\nrecipes (--recipe NAME; explicit flags override them):\n" + _recipes_text()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", help="the model: .keras, .h5, a SavedModel directory, .onnx, PyTorch .pt2 "
                                                  "(torch.export.save), or .tflite to re-validate; omit with --torch")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.tflite", help="the artifact to write")
    parser.add_argument("--recipe", metavar="NAME", help="a named preset, listed above (flags override it)")
    parser.add_argument("--quantize", choices=("none", "fp16", "dynamic", "int8", "int16x8"),
                        help="none (float32, default), fp16, dynamic (int8 weights), int8 (full integer), "
                             "int16x8 (int16 activations)")
    parser.add_argument("--io", choices=("int8", "float"),
                        help="input/output type of full-integer models (default: int8 for int8, float for int16x8)")
    parser.add_argument("--prune", metavar="SPARSITY", help="target sparsity, e.g. 0.8 or 80%%")
    parser.add_argument("--prune-structure", choices=("unstructured", "2:4", "channels"),
                        help="unstructured magnitude (default), 2:4 structured, or channels (removes filters)")
    parser.add_argument("--calibration-data", metavar="PATH",
                        help=".npz/.npy arrays or a folder of images (source layout), or 'random' "
                             "to accept unknown accuracy")
    parser.add_argument("--calibration-samples", type=int, metavar="N", help="calibration samples used (default 100)")
    parser.add_argument("--image-mean", metavar="M[,M,M]",
                        help="image folders: subtract from 0..255 pixels (default 0; or mean in edge-sdk-images.toml)")
    parser.add_argument("--image-std", metavar="S[,S,S]", help="image folders: then divide by this (default 255)")
    parser.add_argument("--eval-data", metavar="PATH",
                        help=".npz with inputs (x) and labels (y), or an image folder with one sub-folder per class")
    parser.add_argument("--fine-tune-data", metavar="PATH", help=".npz with x and y: fine-tune while/after pruning")
    parser.add_argument("--epochs", type=int, metavar="N", help="fine-tuning epochs (default 2)")
    parser.add_argument("--max-accuracy-drop", metavar="X",
                        help="quality gate: exit 1 if accuracy drops more, e.g. 0.5%% (half a point) or 0.005")
    parser.add_argument("--allow-unsafe-deserialization", action="store_true",
                        help="load Keras models with Lambda layers (runs code stored in the file: trusted files only)")
    quant = parser.add_argument_group("accuracy-aware int8 (docs/convert.md)")
    quant.add_argument("--quant-report", nargs="?", const="", metavar="FILE",
                       help="per-op int8 error report, most damaging op first (JSON; default OUT.tflite.quant.json)")
    quant.add_argument("--keep-float", nargs="+", metavar="OP", help="keep these ops (names from --quant-report, "
                       "or op types such as CONV_2D) in float inside a full-int8 model")
    quant.add_argument("--keep-16x8", nargs="+", metavar="OP", help="give these ops int16 activations (int8 "
                       "weights) inside a full-int8 model, through ai-edge-quantizer; int8 I/O")
    quant.add_argument("--target-device", metavar="ID", help="--recipe auto: estimate each candidate's latency on "
                       "this device profile (edge-sdk devices)")
    quant.add_argument("--objective", choices=("size", "latency"),
                       help="--recipe auto: what 'best' means among candidates that meet the gate (default size)")
    sources = parser.add_argument_group("PyTorch and ONNX sources (docs/convert.md)")
    sources.add_argument("--torch", metavar="MODULE:FUNCTION", help="a function returning the nn.Module to convert "
                         "(e.g. mypkg.models:make_model, or models.py:make_model); imported in the conversion process")
    sources.add_argument("--example-input", action="append", metavar="SHAPE[:DTYPE]",
                         help="one per forward() argument, batch first, e.g. 1,3,224,224 or 1,16:int64")
    sources.add_argument("--via", choices=("litert-torch", "onnx"), help="PyTorch conversion path (default: "
                         "litert-torch, then torch.onnx.export + onnx2tf if litert-torch refuses the model)")
    sources.add_argument("--input-shape", action="append", metavar="NAME:D,D,...",
                         help="ONNX: fix an input's dynamic sizes (batch first), e.g. audio:1,76,32,1")
    sources.add_argument("--timeout", type=float, metavar="SECONDS", dest="timeout_s",
                         help="kill a conversion step (litert-torch, torch.onnx.export) that runs longer (default 900)")
    parser.add_argument("--json", action="store_true", help="print the manifest (or the plan with --dry-run) as JSON")
    parser.add_argument("--dry-run", action="store_true", help="print the resolved pipeline and stop")


OPTION_NAMES = ("recipe", "quantize", "io", "prune", "prune_structure", "calibration_data", "calibration_samples",
                "image_mean", "image_std", "eval_data", "fine_tune_data", "epochs", "max_accuracy_drop",
                "quant_report", "keep_float", "keep_16x8", "target_device", "objective", "torch", "example_input", "via",
                "input_shape", "timeout_s")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options = {name: getattr(args, name) for name in OPTION_NAMES if getattr(args, name) is not None}
    if args.allow_unsafe_deserialization:
        options["allow_unsafe_deserialization"] = True
    if args.target_device:
        from edge_sdk.quant_latency import ESTIMATOR, check_device  # noqa: PLC0415 - estimates live above converters

        check_device(args.target_device)
        options["latency_estimator"] = ESTIMATOR
    return options


def _print_plan(plan: dict[str, Any]) -> None:
    print(f"{plan['source']} ({plan['format']}) -> {plan['output']}"
          + (f"   recipe {plan['recipe']}" if plan["recipe"] else ""))
    for number, step in enumerate(plan["steps"], 1):
        settings = ", ".join(f"{k}={v}" for k, v in step["settings"].items() if v is not None)
        print(f"  {number}. {step['name']:<9} {settings}")
    print("(dry run: nothing was converted or written)")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _print_warnings(manifest: dict[str, Any]) -> None:
    """Poor parity is said out loud, gate or no gate (thresholds: converters/validation/quality.py)."""
    from edge_sdk.cli.params import rewrite

    for warning in manifest.get("warnings", []):
        text = rewrite(warning["message"], tuple(warning.get("params", ())), "convert")
        print(wrap_text(f"warning: {text}"), file=sys.stderr)


def _print_quantization(manifest: dict[str, Any]) -> None:
    from edge_sdk.cli.convert_quant import print_quantization  # noqa: PLC0415

    print_quantization(manifest)


def _print_summary(manifest: dict[str, Any]) -> None:
    from edge_sdk.core.table import WIDTH, render_table

    out, val = manifest["output"], manifest["validation"]
    print(wrap_text(f"wrote {out['path']}  ({format_bytes(out['size_bytes'])}, gzip {format_bytes(out['gzip_size_bytes'])}, "
          f"weight sparsity {out['sparsity'] * 100:.1f}%)  quantize={manifest['quantize']}"
          + (f" io={manifest['io']}" if manifest["io"] else "")
          + (f" prune={manifest['prune']['sparsity']:g} {manifest['prune']['structure']}" if manifest["prune"] else "")))
    for step in manifest["steps"]:
        report = step.get("report")
        if step["name"] == "load" and report and report.get("path"):
            print(wrap_text(f"  converted via {report['path']}: {report.get('why', '')}"))
        if report and report.get("structure") == "channels":
            print(f"  channels: {report['filters_before']} -> {report['filters_before'] - report['filters_removed']} "
                  f"filters, params {report['params_before']:,} -> {report['params_after']:,}")
        if report and report.get("fine_tune"):
            ft = report["fine_tune"]
            print(f"  fine-tuned {ft['epochs']} epoch(s) on {ft['samples']} samples ({ft['loss']})")
    rows = [[o["name"], o.get("max_abs_error"), o.get("sqnr_db", "-") if not o.get("identical") else "identical",
             o.get("cosine"), _pct(o.get("top1_agreement"))] for o in val["outputs"]]
    if rows:
        print(wrap_text(f"parity on {val['description']} [{val['inputs']}]:"))
        print(render_table(["output", "max abs err", "SQNR dB", "cosine", "top-1 agree"], rows,
                           right_align=(1, 2, 3, 4), max_width=WIDTH))
    acc = val.get("accuracy")
    if acc:
        drop = "-" if acc["drop"] is None else f"{acc['drop'] * 100:.2f} points"
        print(f"accuracy on {acc['samples']} labelled samples: source {_pct(acc['source'])}, "
              f"artifact {_pct(acc['artifact'])}, drop {drop}")
    for note in val.get("notes", []) + manifest.get("notes", []) + manifest.get("layout", []):
        print(wrap_text(f"  note: {note}"))
    _print_quantization(manifest)
    _print_warnings(manifest)
    gate = manifest["gate"]
    if gate["passed"]:
        print(f"quality gate: passed   manifest: {out['path']}.json")
    else:
        print("quality gate: FAILED (artifact written, manifest marked failed):", file=sys.stderr)
        for failure in gate["failures"]:
            print(wrap_text(f"  - {failure}"), file=sys.stderr)


def _convert_with_progress(convert_in_child: Any, source: str, args: argparse.Namespace,
                            options: dict[str, Any]) -> dict[str, Any]:
    """Run the conversion child; on a terminal (not with --json), show each stage and its elapsed time
    on stderr as the child reports it (a 30 s onnx2tf is no longer silence)."""
    from edge_sdk.cli.progress import progress_display
    from edge_sdk.core.progress import ProgressEvent

    with progress_display(quiet=args.json) as display:
        if display is None:
            return dict(convert_in_child(source, args.output, **options))
        print(f"converting {source or 'the PyTorch factory'} -> {args.output}", file=sys.stderr)
        return dict(convert_in_child(source, args.output, progress=lambda data: display(ProgressEvent.from_dict(data)),
                                     **options))


def run(args: argparse.Namespace) -> int:
    import converters

    options = _options(args)
    source = "" if args.source is None else args.source  # none with --torch: the factory is the source
    if args.dry_run:
        plan = converters.plan(source, args.output, **options)
        print_json(plan) if args.json else _print_plan(plan)
        return EXIT_OK
    from converters.isolated import convert_in_child

    converters.plan(source, args.output, **options)  # flag errors are reported at once, before the child
    manifest = _convert_with_progress(convert_in_child, source, args, options)
    if args.json:
        print_json(manifest)
        _print_warnings(manifest)
        if not manifest["gate"]["passed"]:
            for failure in manifest["gate"]["failures"]:
                print(f"edge-sdk: quality gate failed: {failure}", file=sys.stderr)
    else:
        _print_summary(manifest)
    return EXIT_OK if manifest["gate"]["passed"] else EXIT_GATE_FAILED
