"""Deterministic generator of large X12 850 (purchase order) files for benchmarks.

One ISA/GS envelope holds N transaction sets. Each set has a realistic 850 header (BEG, CUR, REF*DP,
REF*IA, PER, FOB, ITD, DTM*002, DTM*010, N1*ST / N1*BT / N1*VN loops, TD5), 20 PO1 loops of six segments
(PO1, PID, PO4, REF*PD, DTM*002, MSG) and a CTT/AMT/SE trailer: 142 segments and about 5,000 bytes, so
10,000 sets make about 50 MB. Layout: element ``*``, component ``>``, terminator ``~`` followed by a
newline, ISA version 00401, GS08 004010.

The file is written set by set (memory stays flat, so 500 MB files are fine) and sets are added until
the requested size is reached. ``seed`` fixes every value, so a given (size, seed) always produces the
same bytes; :func:`cached` keeps generated files under ``build/bench/``, keyed by size, seed and a hash
of this module's source (editing the generator regenerates them).

``python -m benchmarks.gen850 --validate`` reads a small generated file with our reader and with pyx12
and fails when either reports a problem.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypedDict

if TYPE_CHECKING:
    from edi_assets.x12.errors import X12Issue
    from edi_assets.x12.reader import X12Reader

MB = 1_000_000
BENCH_DIR = Path(__file__).resolve().parent.parent / "build" / "bench"
PO1_LOOPS = 20
SEGMENTS_PER_SET = 19 + 6 * PO1_LOOPS + 3  # header + PO1 loops + CTT, AMT, SE
SEGMENT_IDS = frozenset(
    {"ST", "BEG", "CUR", "REF", "PER", "FOB", "ITD", "DTM", "N1", "N2", "N3", "N4", "TD5"}
    | {"PO1", "PID", "PO4", "MSG", "CTT", "AMT", "SE"}
)


class FileMeta(TypedDict):
    """What :func:`generate` and :func:`write_prefix` wrote. ``segments`` counts ISA..IEA."""

    path: str
    bytes: int
    sets: int
    segments: int
    seed: int


ISA13 = "000000001"
GS06 = "1"
_ISA = f"ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*WIDGETSUPPLY   *240115*1200*U*00401*{ISA13}*0*P*>~\n"
_GS = f"GS*PO*ACMERETAIL*WIDGETSUPPLY*20240115*1200*{GS06}*X*004010~\n"

_ADJECTIVES = (
    "ORGANIC",
    "PREMIUM",
    "STAINLESS",
    "COTTON",
    "WIRELESS",
    "COMPACT",
    "HEAVY DUTY",
    "LOW FAT",
    "CLASSIC",
    "DELUXE",
    "FAMILY SIZE",
    "UNSCENTED",
    "RECYCLED",
    "INDOOR",
    "OUTDOOR",
    "GLUTEN FREE",
)
_NOUNS = (
    "COFFEE BEANS",
    "TOWEL SET",
    "MIXING BOWL",
    "EARBUDS",
    "DESK LAMP",
    "GARDEN HOSE",
    "YOGURT CUPS",
    "PASTA SAUCE",
    "DISH SOAP",
    "PHONE CASE",
    "DOG FOOD",
    "BATH MAT",
    "PAPER TOWELS",
    "CEREAL",
    "BATTERIES",
    "WATER FILTER",
)
_COLORS = ("RED", "BLUE", "BLACK", "WHITE", "GREEN", "SILVER", "NATURAL", "ASSORTED")
_SIZES = ("XS", "SM", "MD", "LG", "XL", "2X", "NA", "OS")
_PROMOS = ("SPRING24", "SUMMER24", "BACK2SCHOOL", "HOLIDAY24", "CLEARANCE", "EVERYDAY")
_NOTES = (
    "DELIVER TO RECEIVING DOCK 4 BEFORE NOON ONLY",
    "PALLETIZE BY SKU AND LABEL EACH OUTER CARTON",
    "NO BACKORDERS - PARTIAL SHIPMENTS ARE ACCEPTED",
    "CALL THE STORE MANAGER 24 HOURS BEFORE ARRIVAL",
    "USE GS1-128 SHIPPING LABELS ON ALL CARTONS",
    "SHIP COMPLETE OR CANCEL THE REMAINING UNITS",
)
_CITIES = (
    ("SPRINGFIELD", "IL", "62701"),
    ("COLUMBUS", "OH", "43004"),
    ("AUSTIN", "TX", "73301"),
    ("DENVER", "CO", "80014"),
    ("PORTLAND", "OR", "97035"),
    ("ATLANTA", "GA", "30301"),
)


def _date(rng: random.Random) -> str:
    return f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _header(rng: random.Random, n: int, ctl: str) -> list[str]:
    city, state, zip_code = rng.choice(_CITIES)
    store = rng.randint(1, 9999)
    return [
        f"ST*850*{ctl}",
        f"BEG*00*SA*PO{n:08d}**{_date(rng)}",
        "CUR*BY*USD",
        f"REF*DP*{rng.randint(100, 999)}",
        f"REF*IA*{rng.randint(10_000_000, 99_999_999)}",
        f"PER*BD*JANE BUYER*TE*555{rng.randint(1_000_000, 9_999_999)}*EM*JANE.BUYER@ACME.EXAMPLE",
        "FOB*PP",
        "ITD*01*3*2**30**60",
        f"DTM*002*{_date(rng)}",
        f"DTM*010*{_date(rng)}",
        f"N1*ST*ACME STORE {store:04d}*92*{store:04d}",
        f"N3*{rng.randint(1, 9999)} MAIN STREET*SUITE {rng.randint(100, 999)}",
        f"N4*{city}*{state}*{zip_code}*US",
        "N1*BT*ACME RETAIL CORPORATION*92*0001",
        "N2*ACCOUNTS PAYABLE DEPARTMENT",
        "N3*PO BOX 1234",
        "N4*CHICAGO*IL*60601*US",
        "N1*VN*WIDGET SUPPLY COMPANY*92*V000417",
        "TD5*O*2*UPSN*M*UPS GROUND",
    ]


def _po1_loop(rng: random.Random, line: int) -> tuple[list[str], int]:
    """The six segments of one PO1 loop and the line's extended amount in cents."""
    qty = rng.randint(1, 500)
    cents = rng.randint(99, 99_999)
    buyer_part = f"BP{rng.randint(0, 99_999_999):08d}"
    vendor_part = f"VND-{rng.randint(0, 99_999_999):08d}-{rng.choice(_SIZES)}"
    upc = f"{rng.randint(0, 10**12 - 1):012d}"
    color = rng.choice(_COLORS)
    description = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {color} {rng.randint(1, 64)} CT"
    segments = [
        f"PO1*{line}*{qty}*EA*{cents // 100}.{cents % 100:02d}**BP*{buyer_part}*VP*{vendor_part}*UP*{upc}",
        f"PID*F****{description}",
        f"PO4*{rng.choice((1, 6, 12, 24, 48))}*{rng.randint(1, 64)}*EA",
        f"REF*PD*{rng.choice(_PROMOS)}-PROMO-{rng.randint(1000, 9999)}",
        f"DTM*002*{_date(rng)}",
        f"MSG*{rng.choice(_NOTES)}",
    ]
    return segments, qty * cents


def transaction_set(rng: random.Random, n: int) -> str:
    """Transaction set number ``n`` (1-based) as text, each segment followed by ``~`` and a newline."""
    ctl = f"{n:04d}"
    segments = _header(rng, n, ctl)
    total = 0
    for line in range(1, PO1_LOOPS + 1):
        loop, amount = _po1_loop(rng, line)
        segments += loop
        total += amount
    segments += [f"CTT*{PO1_LOOPS}", f"AMT*TT*{total // 100}.{total % 100:02d}"]
    segments.append(f"SE*{len(segments) + 1}*{ctl}")
    return "~\n".join(segments) + "~\n"


def trailer(set_count: int) -> str:
    return f"GE*{set_count}*{GS06}~\nIEA*1*{ISA13}~\n"


def _write(fh: TextIO, sets: Iterator[str], target_bytes: int) -> tuple[int, int]:
    """Write the envelope and sets until ``target_bytes`` is reached; return (sets, bytes)."""
    size = fh.write(_ISA) + fh.write(_GS)
    count = 0
    end = len(trailer(0))
    for text in sets:
        size += fh.write(text)
        count += 1
        if size + end >= target_bytes:
            break
    size += fh.write(trailer(count))
    return count, size


def _sets(seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        yield transaction_set(rng, n)


def generate(path: str | os.PathLike[str], target_mb: float, seed: int = 1) -> FileMeta:
    """Write an 850 file of about ``target_mb`` MB (10^6 bytes) to ``path``; return what was written."""
    target = int(target_mb * MB)
    with open(path, "w", encoding="ascii", newline="") as fh:
        count, size = _write(fh, _sets(seed), target)
    return FileMeta(path=os.fspath(path), bytes=size, sets=count, segments=count * SEGMENTS_PER_SET + 4, seed=seed)


def _source_hash() -> str:
    """Cache key part that changes whenever this module (and so possibly its output) changes."""
    import hashlib  # here, not at the top: keeps the measuring children's base RSS free of OpenSSL

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10]


def cached(target_mb: float, seed: int = 1, directory: Path = BENCH_DIR) -> FileMeta:
    """Generate once per (size, seed, generator version); later calls return the stored metadata."""
    directory.mkdir(parents=True, exist_ok=True)
    key = f"po850_{target_mb:g}mb_seed{seed}"
    stem = f"{key}_{_source_hash()}"
    path, meta_path = directory / f"{stem}.x12", directory / f"{stem}.json"
    if path.exists() and meta_path.exists():
        meta: FileMeta = json.loads(meta_path.read_text())
        if meta.get("bytes") == path.stat().st_size:
            meta["path"] = os.fspath(path)
            return meta
    for stale in directory.glob(f"{key}_*"):  # made by an older version of this module
        stale.unlink()
    tmp = path.with_suffix(".tmp")
    meta = generate(tmp, target_mb, seed)
    tmp.replace(path)
    meta["path"] = os.fspath(path)
    meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def write_prefix(src: str | os.PathLike[str], dst: str | os.PathLike[str], target_mb: float) -> FileMeta:
    """Copy the envelope and the first whole transaction sets of ``src`` (about ``target_mb``) to ``dst``.

    GE01 is rewritten for the sets kept; relies on the one-segment-per-line layout this module writes.
    """
    target = int(target_mb * MB)
    size = sets = segments = 0
    with open(src, encoding="ascii", newline="") as fin, open(dst, "w", encoding="ascii", newline="") as out:
        for line in fin:
            if line.startswith(("GE*", "IEA*")):
                break
            size += out.write(line)
            segments += 1
            if line.startswith("SE*"):
                sets += 1
                if size >= target:
                    break
        size += out.write(trailer(sets))
    return FileMeta(path=os.fspath(dst), bytes=size, sets=sets, segments=segments + 2, seed=-1)


def validate(path: str | os.PathLike[str], meta: FileMeta) -> list[str]:
    """Read ``path`` with our reader and with pyx12; return the problems found (empty when clean)."""
    return _validate_ours(path, meta) + _validate_pyx12(path, meta)


def open_reader(path: str | os.PathLike[str]) -> tuple[X12Reader, str]:
    """``X12Reader(path)``, and a note when the segment dictionary is missing from the checkout.

    Without ``data/segments.json`` the reader cannot start; it is then given this file's segment ids
    (``known_segments``), which changes nothing on the hot path (one set-inclusion test per set).
    """
    from edi_assets.x12.reader import X12Reader

    try:
        return X12Reader(path), ""
    except FileNotFoundError as exc:
        note = f"segment dictionary missing ({Path(exc.filename or '').name}): known_segments passed"
        return X12Reader(path, known_segments=SEGMENT_IDS), note


def _validate_ours(path: str | os.PathLike[str], meta: FileMeta) -> list[str]:
    from edi_assets.x12.envelope import FileIssue, GroupEnd, InterchangeEnd, TransactionSet

    problems: list[str] = []
    sets = 0
    reader, _note = open_reader(path)
    for ev in reader:
        issues: list[X12Issue] = []
        if isinstance(ev, TransactionSet):
            sets += 1
            issues = ev.issues
            if len(ev.segments) != SEGMENTS_PER_SET:
                problems.append(f"edi reader: set {ev.ordinal} has {len(ev.segments)} segments")
        elif isinstance(ev, GroupEnd):
            issues = ev.group.issues
        elif isinstance(ev, InterchangeEnd):
            issues = ev.interchange.issues
        elif isinstance(ev, FileIssue):
            issues = [ev.issue]
        problems += [f"edi reader: {i.code.value}: {i.message}" for i in issues]
    if sets != meta["sets"]:
        problems.append(f"edi reader: read {sets} sets, generated {meta['sets']}")
    return problems


def _validate_pyx12(path: str | os.PathLike[str], meta: FileMeta) -> list[str]:
    import pyx12.x12file

    reader = pyx12.x12file.X12Reader(os.fspath(path))
    try:
        segments = sum(1 for _ in reader)
        reader.cleanup()
        problems = [f"pyx12: {kind} {code}: {msg}" for kind, code, msg, _v, _l in reader.pop_errors()]
    finally:
        reader.close()
    if segments != meta["segments"]:
        problems.append(f"pyx12: read {segments} segments, generated {meta['segments']}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--validate", action="store_true", help="check the file with our reader and pyx12")
    args = parser.parse_args()
    meta = cached(args.size_mb, args.seed)
    print(json.dumps(meta, indent=2))
    if args.validate:
        problems = validate(meta["path"], meta)
        assert not problems, "\n".join(problems[:20])
        print("valid: our reader and pyx12 report no problems")


if __name__ == "__main__":
    main()
