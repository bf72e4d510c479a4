"""``make demo`` until the pipeline exists: the X12 engine over the bundled sample files.

For each file: what it holds, which documents became canonical, which are held and why, and what
the 997 we would send back says. Also writes a purchase order with our writer and reads it back.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

from edi_assets.documents import Party, PurchaseOrder, PurchaseOrderLine
from edi_assets.translate import acknowledgment_file, parse_documents, render_documents
from edi_assets.x12.writer import InterchangeSpec


def _demo_po() -> PurchaseOrder:
    return PurchaseOrder(
        po_number="PO-DEMO-1001", po_date=dt.date(2026, 11, 21), currency="USD",
        parties=[Party(role="ST", name="Demo Warehouse", id_qualifier="92", id="WH01",
                       address=["100 Main St"], city="Austin", state="TX", postal_code="78701")],
        lines=[PurchaseOrderLine(line_number="1", quantity=Decimal(12), unit="EA", unit_price=Decimal("4.25"),
                                 item_ids=[], description="Widget")],
        total_amount=Decimal("51.00"),
    )


def run_demo(directory: Path) -> int:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".edi", ".x12", ".json"))
    if not files:
        print(f"edi demo: no sample files in {directory}", file=sys.stderr)
        return 2
    out_dir = Path("build/demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    outbound = out_dir / "outbound_850.edi"
    spec = InterchangeSpec("ZZ", "OURCOMPANY", "ZZ", "PARTNER", 1001)
    outbound.write_text(render_documents([_demo_po()], spec, 1001, line_break="\n"))
    files.append(outbound)
    rows: list[tuple[str, str, int, int, int, str, str]] = []
    problems = 0
    for path in files:
        sets = docs = held = 0
        types: set[str] = set()
        reasons: list[str] = []
        for parsed in parse_documents(path):
            sets += 1
            types.add(parsed.set_id)
            if parsed.document is not None:
                docs += 1
            else:
                held += 1
                first = parsed.errors[0] if parsed.errors else None
                reasons.append(first.message if first else "no typed model for this set")
        ack = acknowledgment_file(path)
        ack_state = ",".join(f"{g.functional_id}:{g.status}" for g in ack.groups) or "-"
        if ack.ta1:
            ack_state += " TA1:" + ",".join(t[4] for t in ack.ta1)
        if sets == 0:
            reasons.append("not X12")
        problems += held
        rows.append((path.name, ",".join(sorted(types)) or "-", sets, docs, held, ack_state,
                     "; ".join(dict.fromkeys(reasons))[:70]))
    headers = ("file", "types", "sets", "documents", "held", "997/TA1 back", "why held")
    widths = [max(len(str(r[i])) for r in [*rows, headers]) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))
    total_docs = sum(r[3] for r in rows)
    print(f"\n{len(rows)} files, {sum(r[2] for r in rows)} transaction sets, {total_docs} canonical documents, "
          f"{problems} held with a reason; our own 850 was written to {outbound} and read back.")
    own = next(r for r in rows if r[0] == outbound.name)
    return 0 if own[4] == 0 and own[3] == 1 else 1
