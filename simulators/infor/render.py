"""The shapes of M3 MI REST answers: v2 single and bulk (`results`, `nrOfSuccessfullTransactions` sic), legacy v1.

Values are right-padded to their field length unless `righttrim=true`. `extendedresult=true` adds each
transaction's `parameters`; `metadata=true` adds field metadata (its v2 shape is inferred [I]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.infor.company import MIError, Record
from simulators.infor.fields import FIELDS

V1_MESSAGE_WIDTH = 80  # v1 NOK messages arrive space padded [C]; the width is inferred [I]


@dataclass(frozen=True)
class Options:
    """How the caller asked for the answer (matrix parameters, query parameters or bulk keys)."""

    maxrecs: int | None = None
    returncols: tuple[str, ...] | None = None
    righttrim: bool = False
    exclude_empty: bool = False
    metadata: bool = False
    extended: bool = False


@dataclass
class Outcome:
    """One transaction's result: records and their output fields, or the error."""

    transaction: str
    parameters: dict[str, str]
    records: list[Record] = field(default_factory=list)
    outputs: tuple[str, ...] = ()
    error: MIError | None = None


def _columns(outcome: Outcome, options: Options) -> list[str]:
    if options.returncols is None:
        return list(outcome.outputs)
    return [c for c in options.returncols if c in outcome.outputs]


def _record(record: Record, columns: list[str], options: Options) -> dict[str, str]:
    values = {c: record.get(c, "") for c in columns}
    if options.exclude_empty:
        values = {c: v for c, v in values.items() if v.strip()}
    if options.righttrim:
        return values
    return {c: v.ljust(FIELDS[c].length) for c, v in values.items()}


def v2_item(outcome: Outcome, options: Options) -> dict[str, Any]:
    item: dict[str, Any] = {"transaction": outcome.transaction}
    if options.extended:
        item["parameters"] = outcome.parameters
    if outcome.error is not None:
        error = outcome.error
        item.update(
            {
                "errorMessage": error.message,
                "errorType": error.error_type,
                "errorCode": error.code,
                "errorField": error.field,
                "errorCfg": None,
                "notProcessed": False,
            }
        )
        return item
    columns = _columns(outcome, options)
    item["records"] = [_record(r, columns, options) for r in outcome.records]
    if options.metadata:
        item["metadata"] = {
            c: {"type": FIELDS[c].type, "length": FIELDS[c].length, "description": FIELDS[c].description}
            for c in columns
        }
    return item


def v2_body(items: list[dict[str, Any]], bulk_job_id: str | None = None) -> dict[str, Any]:
    """The v2 envelope around already rendered items (each success or failure)."""
    failed = sum(1 for i in items if "errorType" in i)
    body: dict[str, Any] = {
        "results": items,
        "wasTerminated": False,
        "nrOfSuccessfullTransactions": len(items) - failed,
        "nrOfFailedTransactions": failed,
        "nrOfNotProcessedTransactions": 0,
    }
    if bulk_job_id is not None:
        body["bulkJobId"] = bulk_job_id
    return body


def v1_body(program: str, outcome: Outcome, options: Options) -> dict[str, Any]:
    """The legacy `/m3api-rest/execute` shape (Infor KB 2159861 fixtures)."""
    if outcome.error is not None:
        error = outcome.error
        return {
            "@type": error.error_type,
            "@code": error.code or None,
            "@cfg": None,
            "@field": error.field or None,
            "Message": error.message.ljust(V1_MESSAGE_WIDTH),
        }
    columns = _columns(outcome, options)
    body: dict[str, Any] = {"Program": program, "Transaction": outcome.transaction}
    if options.metadata:
        body["Metadata"] = {
            "Field": [
                {
                    "@name": c,
                    "@type": FIELDS[c].type,
                    "@length": FIELDS[c].length,
                    "@description": FIELDS[c].description,
                }
                for c in columns
            ]
        }
    body["MIRecord"] = [
        {"RowIndex": index, "NameValue": [{"Name": k, "Value": v} for k, v in _record(r, columns, options).items()]}
        for index, r in enumerate(outcome.records)
    ]
    return body
