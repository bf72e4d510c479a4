"""Shared fixtures: the shared X12 corpus and small X12 builders for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "x12-corpus"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CORPUS.exists():
        return
    skip = pytest.mark.skip(reason=f"the shared X12 corpus is not at {CORPUS} (shared/ must sit beside the repo)")
    for item in items:
        if "corpus" in item.nodeid:
            item.add_marker(skip)


def isa(control: str = "000000001", *, ele: str = "*", comp: str = ">", term: str = "~", version: str = "00401",
        rep: str = "U") -> str:
    """A standard 106-character ISA."""
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ", "RECEIVER".ljust(15),
              "261121", "1200", rep, version, control, "0", "P", comp]
    return ele.join(fields) + term


def envelope(*sets: str, control: str = "000000001", group: str = "1", fid: str = "PO", gs_version: str = "004010",
             term: str = "~", ele: str = "*", comp: str = ">", version: str = "00401", rep: str = "U") -> str:
    """An interchange holding one group with the given transaction sets (each 'ST..SE' already terminated)."""
    gs = ele.join(["GS", fid, "SENDER", "RECEIVER", "20261121", "1200", group, "X", gs_version]) + term
    ge = ele.join(["GE", str(len(sets)), group]) + term
    iea = ele.join(["IEA", "1", control]) + term
    return isa(control, ele=ele, comp=comp, term=term, version=version, rep=rep) + gs + "".join(sets) + ge + iea


def po850(control: str = "0001", po: str = "PO1", lines: int = 1, term: str = "~", ele: str = "*") -> str:
    body = [["BEG", "00", "NE", po, "", "20261121"]]
    for n in range(1, lines + 1):
        body.append(["PO1", str(n), "2", "EA", "3.50", "", "BP", f"ITEM{n}"])
    body.append(["CTT", str(lines)])
    segs = [["ST", "850", control], *body, ["SE", str(len(body) + 2), control]]
    return "".join(ele.join(s) + term for s in segs)
