"""Three-way match: every purchase order linked to the 850 we sent, the partner's 855, its 856s and 810s, and
each invoice checked against them before it is posted (see :mod:`edi_assets.matching.rules` for the rules)."""

from edi_assets.matching.check import PurchaseOrderSource, check_invoice, item_resolver, record_verdict
from edi_assets.matching.records import OrderDocuments, Record, link_orders, load_records
from edi_assets.matching.rules import Expectation, ExpectedLine, MatchResult, Mismatch, check, expect, price_limit

__all__ = ["Expectation", "ExpectedLine", "MatchResult", "Mismatch", "OrderDocuments", "PurchaseOrderSource",
           "Record", "check", "check_invoice", "expect", "item_resolver", "link_orders", "load_records",
           "price_limit", "record_verdict"]
