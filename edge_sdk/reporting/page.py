"""Assemble the self-contained HTML report: sections in reading order, inline CSS, a few lines of JS.

Reading order follows the questions a reviewer asks: did it pass (verdicts)? what did the
conversion trade (variants)? how fast on each device (comparison, distributions)? why (the model:
ops, sizes, memory)? Then which files the page was built from. Nothing is fetched: no CDN, no fonts,
no images; the JavaScript only sorts tables and records script errors for the page test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path

from edge_sdk import __version__
from edge_sdk.reporting import chart_data as data
from edge_sdk.reporting.html_parts import Section, note, table
from edge_sdk.reporting.loading import LoadedDocument
from edge_sdk.reporting.model_data import op_profiles
from edge_sdk.reporting.model_files import AnalysedModels
from edge_sdk.reporting.sections_model import conversion_section, model_section
from edge_sdk.reporting.sections_ops import ops_section
from edge_sdk.reporting.sections_profile import latency_section, verdict_section
from edge_sdk.reporting.sections_quant import quantization_section
from edge_sdk.reporting.sections_sweep import sweep_section

CSS = """
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--ok:#15803d;--bad:#b91c1c;--warn:#b45309;--est:#d97706}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:18px 32px}
header h1{margin:0 0 4px;font-size:22px} header p{margin:0;color:#cbd5e1}
nav{padding:8px 32px;background:#e2e8f0;font-size:13px} nav a{margin-right:14px;color:#1e3a8a}
main{padding:8px 32px 40px;max-width:1500px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:18px 0}
h2{font-size:18px;margin:4px 0 12px}
.scroll{overflow-x:auto} table.data{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
table.data th{background:#f1f5f9;position:sticky;top:0}
table.sortable th{cursor:pointer} table.sortable th:hover{background:#e2e8f0}
th.sorted-asc::after{content:" \\25B2"} th.sorted-desc::after{content:" \\25BC"}
.num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}
td.ok{color:var(--ok);font-weight:700} td.bad{color:var(--bad);font-weight:700} td.warn{color:var(--warn);font-weight:700}
td.est{color:var(--est)}
.verdict-headline{font-size:16px;font-weight:700;margin:4px 0} .verdict-headline.ok{color:var(--ok)}
.verdict-headline.bad{color:var(--bad)} .origin{font-weight:400;color:var(--muted);font-size:12px}
.note{border-left:4px solid var(--warn);background:#fffbeb;padding:6px 10px;margin:8px 0}
.note-how{border-color:#2563eb;background:#eff6ff}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f1f5f9;padding:1px 4px;border-radius:3px}
.grid{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
figure{margin:8px 0;max-width:100%} figure svg{max-width:100%;height:auto;background:#fff}
figcaption{color:var(--muted);font-size:12px;max-width:640px}
dl.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:4px 0 8px}
dl.facts div{min-width:120px} dt{color:var(--muted);font-size:12px} dd{margin:0;font-size:16px;font-weight:600}
details summary{cursor:pointer;font-weight:600;margin:8px 0}
.ops{max-height:none} footer{color:var(--muted);font-size:12px;padding:0 32px 24px}
"""

# Table sorting, and a sentinel the headless-browser test reads: any script error is counted
# into <html data-js-errors>, and data-js-ready="1" proves the script ran at all.
SCRIPT = """
(function(){
  var errors=0, root=document.documentElement;
  window.addEventListener('error',function(){errors+=1;root.setAttribute('data-js-errors',String(errors));});
  function key(cell,numeric){
    if(!cell){return numeric?-Infinity:'';}
    if(numeric){var v=parseFloat(cell.getAttribute('data-v'));return isNaN(v)?-Infinity:v;}
    return cell.textContent.toLowerCase();
  }
  function sortBy(th){
    var table=th.closest('table'),body=table.tBodies[0],col=th.cellIndex;
    var numeric=th.getAttribute('data-sort')==='num';
    var asc=!th.classList.contains('sorted-asc');
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.classList.remove('sorted-asc','sorted-desc');});
    th.classList.add(asc?'sorted-asc':'sorted-desc');
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=key(a.cells[col],numeric),y=key(b.cells[col],numeric);
      return (x<y?-1:x>y?1:0)*(asc?1:-1);});
    rows.forEach(function(r){body.appendChild(r);});
  }
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){sortBy(th);});
    th.addEventListener('keydown',function(e){if(e.key==='Enter'){sortBy(th);}});
  });
  root.setAttribute('data-js-errors',String(errors));
  root.setAttribute('data-js-ready','1');
})();
"""


def _inputs_table(documents: list[LoadedDocument]) -> str:
    rows = []
    for doc in documents:
        tool = doc.body.get("tool") or {}  # validated at load: a ToolInfo when present
        model = doc.model_label
        if doc.kind == "check":  # a check covers the models its verdicts name
            model = ", ".join(sorted({v.model for v in data.verdicts(doc.check) if v.model})) or "-"
        rows.append([doc.origin, doc.kind, model, str(doc.body.get("created") or "-"),
                     str(tool.get("version") or "-")])
    return table(["file", "kind", "model", "created", "edge-sdk version"], rows)


def _model_notes(found: AnalysedModels) -> str:
    notes = []
    if found.missing:
        notes.append(note("the profiles name model files that are not on this machine: " + ", ".join(found.missing)
                          + ". Run the report where the models are, or add `edge-sdk inspect MODEL.tflite --json` "
                          "outputs to its inputs."))
    if found.failed:
        notes.append(note("could not analyse: " + "; ".join(found.failed)))
    return "".join(notes)


def build_sections(documents: list[LoadedDocument], found: AnalysedModels) -> list[Section]:
    """All sections in reading order; a kind with no document becomes a one-line 'not available'."""
    analysed = found.documents
    by_kind: dict[str, list[LoadedDocument]] = {}
    for doc in documents + analysed:
        by_kind.setdefault(doc.kind, []).append(doc)
    checks, profiles = by_kind.get("check", []), by_kind.get("profile", [])
    inspects, converts = by_kind.get("inspect", []), by_kind.get("convert", [])
    verdict_rows = [row for doc in checks for row in data.verdicts(doc.check)]
    sweeps = [sweep_section(doc) for doc in by_kind.get("sweep", [])]
    if sweeps and len(by_kind["sweep"]) == len(documents):  # a sweep alone: its cells, not empty sections
        return _unique_anchors([*sweeps, Section("inputs", "Built from", _inputs_table(documents))])
    sections = [*sweeps, verdict_section(checks)]
    if converts:
        sections.append(conversion_section(converts, profiles))
        quantization = quantization_section(converts)
        if quantization is not None:
            sections.append(quantization)
    if profiles:
        sections.append(latency_section(profiles, verdict_rows))
        per_op = ops_section(profiles)
        if per_op is not None:
            sections.append(per_op)
    else:
        sections.append(Section("latency", "Latency on each device", note(
            "no profile document among the inputs. Add the output of "
            "`edge-sdk profile MODEL.tflite --device ID -o profile.json`.")))
    if inspects:
        profile_bodies = [p.body for p in profiles]
        for i, doc in enumerate(inspects):
            measured = op_profiles(profile_bodies, doc.body.get("sha256"), Path(str(doc.body.get("path"))).name)
            sections.append(model_section(doc, measured, expanded=(i == 0)))
        if found.missing or found.failed:
            sections[-1].html += _model_notes(found)
    else:
        sections.append(Section("model", "The model", _model_notes(found) or note(
            "no inspect document among the inputs and no model file to analyse. Add the output of "
            "`edge-sdk inspect MODEL.tflite --json`.")))
    sections.append(Section("inputs", "Built from", _inputs_table(documents + analysed)))
    return _unique_anchors(sections)


def _unique_anchors(sections: list[Section]) -> list[Section]:
    used: set[str] = set()
    for number, section in enumerate(sections):
        if section.anchor in used:
            section.anchor = f"{section.anchor}-{number}"
        used.add(section.anchor)
    return sections


def render_page(documents: list[LoadedDocument], found: AnalysedModels | None = None,
                title: str | None = None) -> str:
    """The whole HTML page as one string (no file access: testable directly)."""
    found = found or AnalysedModels()
    analysed = found.documents
    sections = build_sections(documents, found)
    models = sorted({d.model_label for d in documents + analysed if d.kind != "check"})
    devices = sorted({r["device"] for d in documents if d.kind == "profile" for r in d.profile["results"]})
    title = title or "edge-sdk report: " + (", ".join(models[:3]) + (" ..." if len(models) > 3 else "") or "models")
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = (f"{len(documents)} document(s); models: {', '.join(models) or '-'}; "
                f"devices: {', '.join(devices) or '-'}; generated {created} by edge-sdk {__version__}")
    nav = "".join(f'<a href="#{escape(s.anchor)}">{escape(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{escape(s.anchor)}"><h2>{escape(s.title)}</h2>{s.html}</section>' for s in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\" data-js-errors=\"0\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header><nav>{nav}</nav>"
        f"<main>{body}</main><footer>Self-contained page: no network, no external files. "
        f"Tables sort when a column header is clicked (needs JavaScript); everything else works without it."
        f"</footer><script>{SCRIPT}</script></body></html>\n"
    )
