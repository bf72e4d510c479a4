"""The product's side of every conversation: one module (or package) per system, over shared machinery.

Shared machinery, one of each: :mod:`.errors` (typed errors), :mod:`.redaction` (secrets out of messages and
logs), :mod:`.retry` (the retry policy), :mod:`.ratelimit` (a limiter shared across processes), :mod:`.auth`
(bearer-token ``httpx.Auth`` flow) and :mod:`.http` (``ApiClient``). Never imports Dagster.
"""
