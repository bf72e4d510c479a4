"""Partner SLA scorecards: per customer, partner and ISO week, which documents were due, on time, late or
missing, from the ledger's records and the deadlines in ``customers.yaml`` (``sla:``)."""

from edi_assets.scorecards.build import DEFAULT_WEEKS, Scorecard, build_scorecard
from edi_assets.scorecards.deadlines import Arrival, Deadline, SentGroup, SentOrder, deadlines, ship_by
from edi_assets.scorecards.plot import PNG_MAGIC, plot_rates
from edi_assets.scorecards.timing import envelope_times, x12_moment

__all__ = ["DEFAULT_WEEKS", "PNG_MAGIC", "Arrival", "Deadline", "Scorecard", "SentGroup", "SentOrder",
           "build_scorecard", "deadlines", "envelope_times", "plot_rates", "ship_by", "x12_moment"]
