"""Transaction set structures (segments, loops, requirement, maximum use) as data.

One structure per set serves 004010 through 005010: the later releases add segments at the end of
loops and never reorder, so the superset accepts both. ``U`` (unbounded) stands for ">1" in the
standard's tables. Loops are named by their first (trigger) segment, as implementation guides do.
"""

from __future__ import annotations

from dataclasses import dataclass

U = 1_000_000  # ">1": unbounded


@dataclass(frozen=True, slots=True)
class Seg:
    id: str
    req: str = "O"  # M or O
    max: int = 1


@dataclass(frozen=True, slots=True)
class Loop:
    id: str
    children: tuple[Seg | Loop, ...]
    req: str = "O"
    max: int = 1

    @property
    def trigger(self) -> str:
        first = self.children[0]
        return first.id if isinstance(first, Seg) else first.trigger


def L(id: str, req: str, max: int, *children: Seg | Loop) -> Loop:  # noqa: N802 - reads like the tables
    return Loop(id, children, req, max)


def S(id: str, req: str = "O", max: int = 1) -> Seg:  # noqa: N802
    return Seg(id, req, max)


def _n1_loop(max_use: int, *extra: Seg | Loop) -> Loop:
    return L("N1", "O", max_use, S("N1", "M"), S("N2", "O", 2), S("N3", "O", 2), S("N4", "O", U),
             S("NX2", "O", U), S("REF", "O", 12), S("PER", "O", U), S("SI", "O", U), S("FOB"), *extra)


_TRANSPORT = (S("TD1", "O", 2), S("TD5", "O", 12), S("TD3", "O", 12), S("TD4", "O", 5))
_N9 = L("N9", "O", 1000, S("N9", "M"), S("DTM", "O", U), S("MSG", "O", 1000))
_SAC = L("SAC", "O", 25, S("SAC", "M"), S("CUR"), S("CTP"))
_AMT = L("AMT", "O", U, S("AMT", "M"), S("REF", "O", U), S("DTM"), S("PCT", "O", U))
_PID = L("PID", "O", 1000, S("PID", "M"), S("MEA", "O", 10))
_SCH = L("SCH", "O", 200, S("SCH", "M"), *_TRANSPORT, S("REF", "O", U))
_SLN = L("SLN", "O", 1000, S("SLN", "M"), S("MSG", "O", U), S("SI", "O", U), S("PID", "O", 1000),
         S("PO3", "O", 104), S("TC2", "O", U), S("ADV", "O", U), S("DTM", "O", 10), S("CTP", "O", 25),
         S("PAM", "O", 10), S("PO4"), S("TAX", "O", 3), _N9, _SAC, L("QTY", "O", U, S("QTY", "M"), S("SI", "O", U)),
         _n1_loop(10))

_QTY = L("QTY", "O", U, S("QTY", "M"), S("SI", "O", U))
_PKG_LOOP = L("PKG", "O", 200, S("PKG", "M"), S("MEA", "O", U))

T850 = L(
    "850", "M", 1,
    # NTE stood in the 850 header up to 003060; it is kept so older partners' orders read cleanly.
    S("ST", "M"), S("BEG", "M"), S("NTE", "O", U), S("CUR"), S("REF", "O", U), S("PER", "O", 3),
    S("TAX", "O", U), S("FOB", "O", U), S("CTP", "O", U), S("PAM", "O", 10), S("CSH", "O", 5),
    S("TC2", "O", U), _SAC, S("ITD", "O", U), S("DIS", "O", 20), S("INC"), S("DTM", "O", 10),
    S("LDT", "O", 12), L("LM", "O", U, S("LM", "M"), S("LQ", "M", U)), S("SI", "O", U), S("PID", "O", 200),
    S("MEA", "O", 40), S("PWK", "O", 25), S("PKG", "O", 200), *_TRANSPORT, S("MAN", "O", 10),
    S("PCT", "O", U), S("CTB", "O", 5), S("TXI", "O", U), _AMT, _N9, _n1_loop(200, *_TRANSPORT, S("PKG", "O", 200)),
    L("LM", "O", U, S("LM", "M"), S("LQ", "M", U)),
    L("SPI", "O", U, S("SPI", "M"), S("REF", "O", 5), S("DTM", "O", 5), S("MSG", "O", 50),
      L("N1", "O", 20, S("N1", "M"), S("N2", "O", 2), S("N3", "O", 2), S("N4"), S("REF", "O", 20), S("G61"),
        S("MSG", "O", 50)),
      L("CB1", "O", U, S("CB1", "M"), S("REF", "O", 20), S("DTM", "O", 5), S("LDT"), S("MSG", "O", 50))),
    L("ADV", "O", U, S("ADV", "M"), S("DTM", "O", U), S("MTX", "O", U)),
    L("PO1", "M", 100_000,
      S("PO1", "M"), S("LIN", "O", U), S("SI", "O", U), S("CUR"), S("CN1"), S("PO3", "O", 25),
      L("CTP", "O", U, S("CTP", "M"), S("CUR")), S("PAM", "O", 10), S("MEA", "O", 40), _PID,
      S("PWK", "O", 25), S("PO4", "O", U), S("REF", "O", U), S("PER", "O", 3), _SAC, S("IT8"),
      S("CSH", "O", U), S("ITD", "O", 2), S("DIS", "O", 20), S("INC"), S("TAX", "O", U), S("FOB", "O", U),
      S("SDQ", "O", 500), S("IT3", "O", 5), S("DTM", "O", 10), S("TC2", "O", U), S("TD1"), S("TD5", "O", 12),
      S("TD3", "O", 12), S("TD4", "O", 5), S("PCT", "O", U), S("MAN", "O", 10), S("MSG", "O", U),
      S("SPI", "O", U), S("TXI", "O", U), S("CTB", "O", U), _QTY, _SCH, _PKG_LOOP,
      L("LS", "O", 1, S("LS", "M"),
        L("LDT", "O", U, S("LDT", "M"), S("QTY", "O", U), S("MSG"), S("REF", "O", 3),
          L("LM", "O", U, S("LM", "M"), S("LQ", "M", U))),
        S("LE", "M")),
      L("N9", "O", 1000, S("N9", "M"), S("DTM", "O", U), S("MEA", "O", 40), S("MSG", "O", 1000)),
      _n1_loop(200, S("QTY", "O", U), S("DTM"), S("SCH", "O", 200), *_TRANSPORT, S("PKG", "O", 200),
               L("LDT", "O", U, S("LDT", "M"), S("MAN", "O", 10), S("QTY", "O", 5), S("MSG"),
                 S("REF", "O", 3))),
      _SLN, L("AMT", "O", U, S("AMT", "M"), S("REF"), S("PCT", "O", U)),
      L("LM", "O", U, S("LM", "M"), S("LQ", "M", U))),
    L("CTT", "O", 1, S("CTT", "M"), S("AMT")),
    S("SE", "M"),
)

T855 = L(
    "855", "M", 1,
    S("ST", "M"), S("BAK", "M"), S("CUR"), S("REF", "O", U), S("PER", "O", 3), S("TAX", "O", U),
    S("FOB", "O", U), S("CTP", "O", U), S("PAM", "O", 10), S("CSH", "O", 5), _SAC, S("ITD", "O", U),
    S("DIS", "O", 20), S("INC"), S("DTM", "O", 10), S("LDT", "O", 12), S("SI", "O", U), S("PID", "O", 200),
    S("MEA", "O", 40), S("PWK", "O", 25), S("PKG", "O", 200), *_TRANSPORT, S("MAN", "O", 10),
    S("PCT", "O", U), S("CTB", "O", 5), S("TXI", "O", U), _AMT, _N9, _n1_loop(200, *_TRANSPORT),
    L("PO1", "O", 100_000,
      S("PO1", "M"), S("LIN", "O", U), S("SI", "O", U), S("CUR"), S("PO3", "O", 25), S("CTP", "O", U),
      S("PAM", "O", 10), S("MEA", "O", 40), _PID, S("PWK", "O", 25), S("PO4", "O", U), S("REF", "O", U),
      S("PER", "O", 3), L("SAC", "O", 25, S("SAC", "M"), S("CUR")), S("IT8"), S("CSH", "O", U),
      S("ITD", "O", 2), S("DIS", "O", 20), S("INC"), S("TAX", "O", U), S("FOB", "O", U), S("SDQ", "O", 500),
      S("DTM", "O", 10), S("LDT", "O", 12), S("TD1"), S("TD5", "O", 12), S("TD3", "O", 12), S("TD4", "O", 5),
      L("ACK", "O", 104, S("ACK", "M"), S("DTM")),
      S("MAN", "O", 10), S("AMT"), S("CTB", "O", U), S("TXI", "O", U), _QTY, _PKG_LOOP, _SCH, _N9,
      _n1_loop(200, S("DTM"), S("SCH", "O", 200), *_TRANSPORT, S("QTY", "O", U), S("PKG", "O", 25)),
      L("SLN", "O", 1000, S("SLN", "M"), S("MSG", "O", U), S("SI", "O", U), S("PID", "O", 1000),
        S("PO3", "O", 25), S("CTP", "O", 25), S("PAM", "O", 10), S("ACK", "O", 104),
        L("SAC", "O", 10, S("SAC", "M"), S("CUR")), S("DTM", "O", 10), S("PO4"), S("TAX", "O", 3),
        S("ADV", "O", U), _QTY, _N9, _n1_loop(10))),
    L("CTT", "O", 1, S("CTT", "M"), S("AMT")),
    S("SE", "M"),
)

T810 = L(
    "810", "M", 1,
    S("ST", "M"), S("BIG", "M"), S("NTE", "O", 100), S("CUR"), S("REF", "O", 12), S("YNQ", "O", 10),
    S("PER", "O", 3), _n1_loop(200), S("ITD", "O", U), S("DTM", "O", 10), S("FOB"), S("PID", "O", 200),
    S("MEA", "O", 40), S("PWK", "O", 25), S("PKG", "O", 25), S("L7"), S("BAL", "O", U), S("INC"),
    S("PAM", "O", U), L("LM", "O", 10, S("LM", "M"), S("LQ", "M", 100)), _N9,
    L("IT1", "O", 200_000, S("IT1", "M"), S("CRC"), S("QTY", "O", 5), S("CUR"), S("IT3", "O", 5),
      S("TXI", "O", 10), S("CTP", "O", 25), S("PAM", "O", 10), S("MEA", "O", 40), _PID, S("PWK", "O", 25),
      S("PKG", "O", 25), S("PO4"), S("ITD", "O", 2), S("REF", "O", U), S("YNQ", "O", 10), S("PER", "O", 5),
      S("SDQ", "O", 500), S("DTM", "O", 10), S("CAD", "O", U), S("L7", "O", U), S("SR"),
      L("SAC", "O", 25, S("SAC", "M"), S("TXI", "O", 10)), L("SLN", "O", 1000, S("SLN", "M"), S("DTM"),
      S("REF", "O", U), S("PID", "O", 1000), S("SAC", "O", 25), S("TC2", "O", 2), S("TXI", "O", 10)),
      _n1_loop(200), L("LM", "O", 10, S("LM", "M"), S("LQ", "M", 100)), _N9),
    S("TDS", "M"), S("TXI", "O", 10), S("CAD"), S("AMT", "O", U),
    L("SAC", "O", 25, S("SAC", "M"), S("TXI", "O", 10)),
    L("ISS", "O", U, S("ISS", "M"), S("PID")),
    S("CTT"),
    S("SE", "M"),
)

# 856: the HL loop repeats flat; its hierarchy (shipment, order, tare, pack, item) is rebuilt from
# HL01/HL02 by the typed model, as the standard intends.
T856 = L(
    "856", "M", 1,
    S("ST", "M"), S("BSN", "M"), S("DTM", "O", 10),
    L("HL", "M", 200_000,
      S("HL", "M"), S("LIN"), S("SN1"), S("SLN", "O", 1000), S("PRF"), S("PO4"), S("PID", "O", 200),
      S("MEA", "O", 40), S("PWK", "O", 25), S("PKG", "O", 25), S("TD1", "O", 20), S("TD5", "O", 12),
      S("TD3", "O", 12), S("TD4", "O", 5), S("TSD"), S("REF", "O", U), S("PER", "O", 3),
      L("LH1", "O", 100, S("LH1", "M"), S("LH2", "O", 4), S("LH3", "O", 10), S("LFH", "O", 20),
        S("LEP", "O", U), S("LH4"), S("LHT", "O", 3), S("LHR", "O", 10), S("PER", "O", 5), S("LHE")),
      L("CLD", "O", 200, S("CLD", "M"), S("REF", "O", U), S("DTP")), S("MAN", "O", U), S("DTM", "O", 10),
      S("FOB"), S("PAL"), L("N1", "O", 200, S("N1", "M"), S("N2", "O", 2), S("N3", "O", 2), S("N4"),
                           S("REF", "O", 12), S("PER", "O", 3), S("FOB")),
      S("SDQ", "O", 50), S("ETD"), S("CUR"), L("SAC", "O", U, S("SAC", "M"), S("CUR")), S("GF"),
      S("YNQ", "O", 10), L("LM", "O", 10, S("LM", "M"), S("LQ", "M", 100)),
      L("V1", "O", U, S("V1", "M"), S("R4", "O", U), S("DTM", "O", U)), S("MSG", "O", U)),
    S("CTT"),
    S("SE", "M"),
)

T997 = L(
    "997", "M", 1,
    S("ST", "M"), S("AK1", "M"),
    L("AK2", "O", U, S("AK2", "M"),
      L("AK3", "O", U, S("AK3", "M"), S("AK4", "O", 99)),
      S("AK5", "M")),
    S("AK9", "M"),
    S("SE", "M"),
)

SCHEMAS: dict[str, Loop] = {"850": T850, "855": T855, "810": T810, "856": T856, "997": T997}
