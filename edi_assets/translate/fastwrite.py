"""Purchase orders written straight to X12 text, for the writer to check and use.

:mod:`edi_assets.translate.outbound` defines the segments of every document; the writer joins them.
Reading ~150 small models and building as many lists per 850 in Python cost most of writing
documents, so an 850's body is written in one pass in C (``edi_assets.translate._render.po_body``),
which counts the segments and element separators it writes. The writer checks the text as it checks
its own (:meth:`~edi_assets.x12.writer.SegmentWriter.accepts`) and otherwise writes outbound's lists,
which trim or raise exactly as before. Without the extension (or with ``EDI_X12_PURE=1``) the body is
outbound's lists joined: the same bytes. ``tests/test_fast_paths_writer.py`` holds them byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from edi_assets.documents import PurchaseOrder
from edi_assets.translate import outbound
from edi_assets.translate.native import native_module
from edi_assets.x12.writer import RenderedBody


def _joined(body: Sequence[Sequence[str]], ele: str, tail: str) -> tuple[str, int, int]:
    text = "".join([ele.join(seg) + tail for seg in body])
    return text, len(body), sum(map(len, body)) - len(body)


def po_body_py(po: PurchaseOrder, ele: str, tail: str) -> tuple[str, int, int]:
    """``outbound.purchase_order(po)`` joined with ``ele`` and ``tail`` as the writer joins it, with the
    number of segments and element separators written: the definition of the compiled ``po_body``.
    A value that is not text raises TypeError, as it does in the writer."""
    return _joined(outbound.purchase_order(po), ele, tail)  # type: ignore[arg-type]


_native = native_module()
_po_body: Callable[[PurchaseOrder, str, str], tuple[str, int, int] | None] | None = (
    _native.po_body if _native is not None else None
)
NATIVE = _po_body is not None


def po_body(po: PurchaseOrder, ele: str, tail: str) -> tuple[str, int, int]:
    """`po_body_py`, compiled when the extension is built; it leaves unusual values to the twin."""
    if _po_body is not None:
        found = _po_body(po, ele, tail)
        if found is not None:
            return found
    return po_body_py(po, ele, tail)


def purchase_order(po: PurchaseOrder, ele: str, tail: str) -> RenderedBody:
    """``outbound.purchase_order(po)`` as the writer would join it with ``ele`` and ``tail``.

    A document holding what a valid one cannot (a model built without validation) may make the text
    impossible to write here: the writer then gets no text and writes (or refuses) outbound's lists."""
    try:
        text, segments, separators = po_body(po, ele, tail)
    except (TypeError, AttributeError, ValueError):
        text, segments, separators = "", 0, 0  # the writer never accepts an empty body
    return RenderedBody(text, segments, separators, ele, tail, lambda: outbound.purchase_order(po))
