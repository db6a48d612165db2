"""The place of the ``sweep`` document type (``sweep.json``).

Its typed definition (``SweepCell`` and the body layout) currently lives beside the sweep code, in
:mod:`edge_sdk.sweep.document`, while that code settles. When it moves here, define
``SweepDocument(Envelope)`` in this module, add it to ``DOCUMENT_TYPES`` in
:mod:`edge_sdk.core.documents`, and run ``python -m tools.schemas`` to ship its JSON Schema; the
foundation cannot import the sweep package, so the type must be moved, not re-exported.
"""
