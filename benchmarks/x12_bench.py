"""X12 throughput and memory benchmark: one markdown table, measured on one generated 850 file.

Run from the project root::

    .venv/bin/python -m benchmarks.x12_bench [--size-mb 50] [--also-500] [--runs 3] [--check]

What is measured (MB = 10^6 bytes, RSS in MiB = 2^20 bytes):

* ``naive split``: the floor for any pure-Python reader. The file is read in 1 MiB binary chunks, nothing
  is decoded, each chunk (plus the carried partial tail) is split on ``~`` and every segment on ``*``;
  nothing is kept.
* ``edi reader``: ``edi_assets.x12.reader.X12Reader(path)`` iterated to the end, with its envelope
  validation; segments are counted from ``TransactionSet`` events (ISA/GS/GE/IEA are not counted) and
  every issue it reports (sets, groups, interchanges, file) is counted: there should be none.
* ``pyx12 X12Reader``: ``pyx12.x12file.X12Reader(path)`` iterated to the end (it checks envelopes and
  counts too). pyx12 is slow, so it reads a separate file holding the first ``--pyx12-mb`` MB worth of
  whole transaction sets of the same file (with a corrected GE); MB/s is comparable, 1 run.
* ``typed parse``: ``edi_assets.translate.parse_documents(path)`` iterated to the end (hook).
* ``writer``: ``edi_assets.translate.render_benchmark(docs)``, which returns the bytes it wrote; ``docs``
  is the list of documents ``parse_documents`` yields (``ParsedDocument.document``, sets without a
  document left out), built before the clock starts (hook). MB/s is of the bytes written.
* with ``--also-500``: ``edi reader`` on a 500 MB file, for flat memory (1 run).

Each measurement runs in its own subprocess, so its peak RSS is its own (``VmHWM`` on Linux, see
:func:`_rss`); "base" is the child's peak before the measured work (interpreter + imports + setup).
Time is wall time (``time.perf_counter``), best of ``--runs`` for everything except pyx12 and the 500 MB
read (and except a measurement whose first run takes over 10 s: the table shows the runs made). A hook
whose import fails is shown as ``not available`` and its target as SKIP; one that raises is shown as
``error``. Generated files are cached in ``build/bench/``. The exit code is 0 unless
``--check`` is given and a target FAILs.
"""

from __future__ import annotations

import argparse
import codecs
import datetime
import importlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import gen850

MB = gen850.MB
MIB = 1 << 20
CHUNK = 1 << 20
CHILD_TIMEOUT_S = 3600
SLOW_RUN_S = 10.0  # a measurement whose run takes longer is not repeated (best of N is for fast ones)


# -- what a child reports ---------------------------------------------------------------------------
@dataclass
class Work:
    """What one measured call processed."""

    bytes: int
    segments: int
    issues: int = 0
    note: str = ""


@dataclass
class Result:
    """One table row, as measured by a child process (or why it could not be)."""

    name: str
    label: str
    status: str = "ok"  # ok | not available | error
    runs: int = 0
    seconds: float = 0.0
    bytes: int = 0
    segments: int = 0
    issues: int = 0
    peak_rss: int = 0
    base_rss: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.seconds > 0

    @property
    def mb_s(self) -> float:
        return self.bytes / MB / self.seconds if self.ok else 0.0

    @property
    def seg_s(self) -> float:
        return self.segments / self.seconds if self.ok else 0.0


# -- the measured work (runs in the child) ----------------------------------------------------------
def naive_split(path: str) -> Work:
    """Split on the terminator, then on the element separator; decode nothing, keep nothing."""
    segments = 0
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            parts = (tail + chunk).split(b"~")
            tail = parts.pop()
            for part in parts:
                part.split(b"*")
                segments += 1
    if tail.strip():
        tail.split(b"*")
        segments += 1
    return Work(os.path.getsize(path), segments)


def edi_reader(path: str) -> Work:
    from edi_assets.x12.envelope import FileIssue, GroupEnd, InterchangeEnd, TransactionSet

    reader, note = gen850.open_reader(path)
    segments = issues = 0
    for ev in reader:
        if isinstance(ev, TransactionSet):
            segments += len(ev.segments)
            issues += len(ev.issues)
        elif isinstance(ev, GroupEnd):
            issues += len(ev.group.issues)
        elif isinstance(ev, InterchangeEnd):
            issues += len(ev.interchange.issues)
        elif isinstance(ev, FileIssue):
            issues += 1
    return Work(os.path.getsize(path), segments, issues, note)


def pyx12_reader(path: str) -> Work:
    import pyx12.x12file

    reader = pyx12.x12file.X12Reader(path)
    segments = 0
    try:
        for _seg in reader:
            segments += 1
        reader.cleanup()
        issues = len(reader.pop_errors())
    finally:
        reader.close()
    return Work(os.path.getsize(path), segments, issues)


def _hook(name: str) -> Callable[..., Any]:
    """A function of ``edi_assets.translate``, which may not exist yet (ImportError: "not available")."""
    module = importlib.import_module("edi_assets.translate")
    try:
        func: Callable[..., Any] = getattr(module, name)
    except AttributeError:
        raise ImportError(f"edi_assets.translate has no {name}") from None
    return func


def typed_parse(path: str, file_segments: int, check_elements: bool) -> Work:
    parse_documents = _hook("parse_documents")
    docs = sum(1 for p in parse_documents(path, check_elements=check_elements) if p.document is not None)
    what = "with" if check_elements else "without"
    return Work(os.path.getsize(path), file_segments, note=f"{docs} documents; {what} element (AK4) validation")


def naive_text_split(path: str) -> Work:
    """The naive baseline on decoded text (what a reader that hands out str has to start from)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = segments = 0
    tail = ""
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            size += len(block)
            parts = (tail + decoder.decode(block)).split("~")
            tail = parts.pop()
            for seg in parts:
                seg.split("*")
                segments += 1
    if tail.strip():
        tail.split("*")
        segments += 1
    return Work(size, segments, note="1 MiB chunks decoded as UTF-8, then split")


# -- child process ----------------------------------------------------------------------------------
def _rss() -> int:
    """Peak RSS of this process so far, in bytes.

    Linux: ``VmHWM`` from ``/proc/self/status``. Not ``ru_maxrss``: across fork/exec the child's
    ``ru_maxrss`` keeps the parent's peak, so every child would report at least the parent's size.
    Elsewhere ``ru_maxrss`` (macOS reports bytes, others KiB).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _best_of(work: Callable[[], Work], runs: int) -> tuple[float, int, Work]:
    """Best time of up to ``runs`` calls, the calls made, the last result; a slow first call is not repeated."""
    best, done, last = float("inf"), 0, None
    while done < runs and not (done and best > SLOW_RUN_S):
        start = time.perf_counter()
        last = work()
        best = min(best, time.perf_counter() - start)
        done += 1
    assert last is not None
    return best, done, last


def _documents(parsed: Iterable[Any]) -> list[Any]:
    """The writer's input: the documents ``parse_documents`` yields, unwrapped from ``ParsedDocument``.

    Unwrapped while streaming, so the parse analyses are freed and the writer's RSS is documents only.
    """
    docs = []
    for item in parsed:
        doc = getattr(item, "document", item)
        if doc is not None:
            docs.append(doc)
    return docs


def _prepare(kind: str, path: str, file_segments: int) -> Callable[[], Work]:
    """Import and set up (untimed); return the call to time. ImportError means "not available"."""
    if kind == "naive":
        return lambda: naive_split(path)
    if kind == "reader":
        importlib.import_module("edi_assets.x12.reader")  # import cost stays out of the timing
        return lambda: edi_reader(path)
    if kind == "pyx12":
        importlib.import_module("pyx12.x12file")
        return lambda: pyx12_reader(path)
    if kind == "naive_text":
        return lambda: naive_text_split(path)
    if kind in ("typed", "typed_full"):
        _hook("parse_documents")
        return lambda: typed_parse(path, file_segments, kind == "typed_full")
    if kind == "x12_writer":
        return _prepare_x12_writer(path, file_segments)
    if kind == "writer":
        parse_documents, render_benchmark = _hook("parse_documents"), _hook("render_benchmark")
        docs = _documents(parse_documents(path))
        note = f"{len(docs)} documents in memory (parsed before the clock); segments: of the input"

        def write() -> Work:
            return Work(int(render_benchmark(docs)), file_segments, note=note)

        return write
    raise ValueError(f"unknown measurement {kind!r}")


def _prepare_x12_writer(path: str, file_segments: int) -> Callable[[], Work]:
    """The X12 writing layer alone: segment lists (built from the documents before the clock) to text
    with envelopes, counts and delimiter validation."""
    from edi_assets.translate import outbound
    from edi_assets.x12.writer import GroupSpec, InterchangeSpec, SetSpec, render_interchange

    parse_documents = _hook("parse_documents")
    docs = _documents(parse_documents(path))
    bodies = [outbound.body_for(d)[1] for d in docs]
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    spec = InterchangeSpec("ZZ", "BENCHSENDER", "ZZ", "BENCHRECEIVER", 1, timestamp=when)
    group = GroupSpec("PO", "BENCHSENDER", "BENCHRECEIVER", 1, timestamp=when)

    def write() -> Work:
        sets = [SetSpec("850", f"{n:04d}", body) for n, body in enumerate(bodies, start=1)]
        text = render_interchange(spec, [(group, sets)])
        note = f"{len(bodies)} sets of segment lists built before the clock"
        return Work(len(text.encode()), file_segments, note=note)

    return write


def child_main(kind: str, path: str, runs: int, file_segments: int) -> None:
    """Measure one thing and print it as one JSON line."""
    out: dict[str, object] = {}
    try:
        work = _prepare(kind, path, file_segments)
    except ImportError as exc:
        out = {"status": "not available", "note": f"import failed: {exc}"}
    except Exception as exc:  # the set-up itself failed (e.g. building the writer's documents)
        out = {"status": "error", "note": f"set-up: {type(exc).__name__}: {exc}"[:200]}
    else:
        base = _rss()
        try:
            seconds, made, done = _best_of(work, runs)
        except Exception as exc:  # a report, not a test: show the failure in the table
            out = {"status": "error", "note": f"{type(exc).__name__}: {exc}"[:200]}
        else:
            out = {"runs": made, "seconds": seconds, "peak_rss": _rss(), "base_rss": base, **asdict(done)}
    print(json.dumps(out))


# -- parent ----------------------------------------------------------------------------------------
def measure(name: str, kind: str, path: str, label: str, runs: int, file_segments: int) -> Result:
    """Run one measurement in a fresh interpreter and collect its result."""
    runs_text = "1 run" if runs == 1 else f"up to {runs} runs"
    print(f"  measuring {name} on {label} ({runs_text}) ...", file=sys.stderr, flush=True)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.x12_bench",
        "--child",
        kind,
        "--file",
        path,
        "--runs",
        str(runs),
        "--file-segments",
        str(file_segments),
    ]
    result = Result(name, label)
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        result.status, result.note = "error", f"timed out after {CHILD_TIMEOUT_S} s"
        return result
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        result.status = "error"
        result.note = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return result
    for key, value in json.loads(lines[-1]).items():
        setattr(result, key, value)
    return result


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def table(results: list[Result]) -> str:
    head = (
        "| measurement | input | size MB | runs | best s | MB/s | segments | segments/s "
        "| peak RSS MiB | base RSS MiB | notes |"
    )
    rows = [head, "|" + "---|" * 11]
    for r in results:
        size = _fmt(r.bytes / MB) if r.bytes else "-"
        if not r.ok:
            rows.append(f"| {r.name} | {r.label} | - | - | - | {r.status} | - | - | - | - | {r.note} |")
            continue
        rows.append(
            f"| {r.name} | {r.label} | {size} | {r.runs} | {r.seconds:.3f} | {_fmt(r.mb_s)} "
            f"| {r.segments:,} | {r.seg_s:,.0f} | {_fmt(r.peak_rss / MIB)} | {_fmt(r.base_rss / MIB)} "
            f"| {r.note} |"
        )
    return "\n".join(rows)


@dataclass
class Target:
    what: str
    value: float | None  # None: not measured
    goal: str
    passed: bool

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "SKIP"
        return "PASS" if self.passed else "FAIL"


def _ratio(a: Result | None, b: Result | None) -> float | None:
    return a.mb_s / b.mb_s if a and b and a.ok and b.ok else None


def targets(rows: dict[str, Result]) -> list[Target]:
    reader, naive, pyx = rows.get("reader"), rows.get("naive"), rows.get("pyx12")
    typed, writer, big = rows.get("typed"), rows.get("writer"), rows.get("reader500")
    naive_text, typed_full, x12_writer = rows.get("naive_text"), rows.get("typed_full"), rows.get("x12_writer")
    out: list[Target] = []

    def add(what: str, value: float | None, goal: str, test: Callable[[float], bool]) -> None:
        out.append(Target(what, value, goal, value is not None and test(value)))

    add("edi reader / naive split (MB/s ratio)", _ratio(reader, naive), ">= 0.75", lambda v: v >= 0.75)
    add("edi reader / naive split on text (MB/s ratio)", _ratio(reader, naive_text), ">= 0.75", lambda v: v >= 0.75)
    add("edi reader / pyx12 (MB/s ratio)", _ratio(reader, pyx), ">= 12", lambda v: v >= 12)
    add("typed parse MB/s", typed.mb_s if typed and typed.ok else None, ">= 15", lambda v: v >= 15)
    add("typed parse + AK4 checks MB/s", typed_full.mb_s if typed_full and typed_full.ok else None, ">= 15",
        lambda v: v >= 15)
    add("writer (documents → X12) MB/s", writer.mb_s if writer and writer.ok else None, ">= 60", lambda v: v >= 60)
    add("writer (segments → X12) MB/s", x12_writer.mb_s if x12_writer and x12_writer.ok else None, ">= 60",
        lambda v: v >= 60)
    rss = reader.peak_rss / MIB if reader and reader.ok else None
    add(f"edi reader peak RSS MiB ({reader.label if reader else '-'})", rss, "< 100", lambda v: v < 100)
    if big is not None:
        rss = big.peak_rss / MIB if big.ok else None
        add(f"edi reader peak RSS MiB ({big.label})", rss, "< 100", lambda v: v < 100)
    return out


def _target_lines(found: list[Target]) -> list[str]:
    lines = []
    for t in found:
        shown = "not measured" if t.value is None else f"{t.value:,.2f}"
        lines.append(f"- {t.what}: {shown} (target {t.goal}) **{t.verdict}**")
    return lines


# -- preparing the inputs ----------------------------------------------------------------------------
def _label(meta: gen850.FileMeta) -> str:
    return f"{meta['bytes'] / MB:.1f} MB 850, {meta['sets']:,} sets"


def _inputs(args: argparse.Namespace) -> tuple[gen850.FileMeta, gen850.FileMeta]:
    print(f"generating / reusing the {args.size_mb:g} MB file ...", file=sys.stderr, flush=True)
    meta = gen850.cached(args.size_mb, args.seed)
    src = Path(meta["path"])
    prefix_path = src.with_name(f"{src.stem}_prefix{args.pyx12_mb:g}mb.x12")
    prefix = gen850.write_prefix(src, prefix_path, args.pyx12_mb)
    return meta, prefix


def _validate_generator(seed: int) -> list[str]:
    """Our reader and pyx12 must read a small generated file without a single problem."""
    print("validating the generator on a 0.5 MB file ...", file=sys.stderr, flush=True)
    small = gen850.cached(0.5, seed)
    try:
        return gen850.validate(small["path"], small)
    except Exception as exc:  # report it; the benchmark still runs
        return [f"validation could not run: {type(exc).__name__}: {exc}"]


def _warnings(results: list[Result], problems: list[str]) -> list[str]:
    out = [f"WARNING: generator validation: {p}" for p in problems[:10]]
    for r in results:
        if r.status == "ok" and r.issues:
            out.append(f"WARNING: {r.name} on {r.label} reported {r.issues} issues (expected 0)")
        if r.status == "error":
            out.append(f"WARNING: {r.name} failed: {r.note}")
    return out


_NOTES = {
    "naive": "1 MiB binary chunks, no decode; segments include ISA/GS/GE/IEA",
    "reader": "segments of ST..SE only",
    "pyx12": "prefix of the same file (whole sets, GE fixed): pyx12 is too slow for all of it; 1 run",
    "reader500": "flat-memory check; 1 run",
}


def _annotate(rows: dict[str, Result]) -> None:
    """Add the fixed explanations and the issue counts to the notes of the measured rows."""
    for key, text in _NOTES.items():
        row = rows.get(key)
        if row is None or not row.ok or text in row.note:
            continue
        issues = [] if key == "naive" else [f"{row.issues} {'errors' if key == 'pyx12' else 'issues'}"]
        row.note = "; ".join([*issues, text, *filter(None, [row.note])])


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    problems = _validate_generator(args.seed)
    meta, prefix = _inputs(args)
    path, label, segs = meta["path"], _label(meta), meta["segments"]
    rows: dict[str, Result] = {
        "naive": measure("naive split", "naive", path, label, args.runs, segs),
        "reader": measure("edi reader", "reader", path, label, args.runs, segs),
        "pyx12": measure("pyx12 X12Reader", "pyx12", prefix["path"], f"first {_label(prefix)}", 1, prefix["segments"]),
        "naive_text": measure("naive split (text)", "naive_text", path, label, args.runs, segs),
        "typed": measure("typed parse", "typed", path, label, args.runs, segs),
        "typed_full": measure("typed parse + AK4 checks", "typed_full", path, label, 1, segs),
        "writer": measure("writer (documents → X12)", "writer", path, label, args.runs, segs),
        "x12_writer": measure("writer (segments → X12)", "x12_writer", path, label, args.runs, segs),
    }
    _annotate(rows)
    if args.also_500:
        print("generating / reusing the 500 MB file ...", file=sys.stderr, flush=True)
        big = gen850.cached(500, args.seed)
        rows["reader500"] = measure("edi reader", "reader", big["path"], _label(big), 1, big["segments"])
        _annotate(rows)
    results = list(rows.values())
    found = targets(rows)
    print(table(results))
    print()
    print("\n".join(_target_lines(found)))
    for line in _warnings(results, problems):
        print(line)
    print(f"\ntotal wall time: {time.perf_counter() - started:.1f} s")
    failed = any(t.verdict == "FAIL" for t in found)
    return 1 if args.check and failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="X12 reader/parser/writer benchmark (markdown report)")
    p.add_argument("--size-mb", type=float, default=50, help="size of the generated 850 file (default 50)")
    p.add_argument("--also-500", action="store_true", help="also read a 500 MB file (edi reader only)")
    p.add_argument("--runs", type=int, default=3, help="best of N for the fast measurements (default 3)")
    p.add_argument("--pyx12-mb", type=float, default=5, help="size of the prefix pyx12 reads (default 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--file-segments", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child, args.file, args.runs, args.file_segments)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
