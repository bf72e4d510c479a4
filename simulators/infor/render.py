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
    """One transaction's result: its records, or its failure; a partial list (KB 2159861) carries both [I]."""
    item: dict[str, Any] = {"transaction": outcome.transaction}
    if options.extended:
        item["parameters"] = outcome.parameters
    if outcome.error is not None:
        item.update(_failure(outcome.error))
        if not outcome.records:
            return item
    columns = _columns(outcome, options)
    item["records"] = [_record(r, columns, options) for r in outcome.records]
    if options.metadata:
        item["metadata"] = {
            c: {"type": FIELDS[c].type, "length": FIELDS[c].length, "description": FIELDS[c].description}
            for c in columns
        }
    return item


def _failure(error: MIError) -> dict[str, Any]:
    return {
        "errorMessage": error.message,
        "errorType": error.error_type,
        "errorCode": error.code,
        "errorField": error.field,
        "errorCfg": None,
        "notProcessed": False,
    }


def not_processed_item(transaction: str, options: Options, parameters: dict[str, str]) -> dict[str, Any]:
    """A bulk transaction never run because the call stopped at an earlier failure [I]."""
    item: dict[str, Any] = {"transaction": transaction}
    if options.extended:
        item["parameters"] = parameters
    item.update(
        {
            "errorMessage": "Not processed: the bulk call was terminated by an earlier failure",
            "errorType": "NotProcessed",
            "errorCode": "",
            "errorField": "",
            "errorCfg": None,
            "notProcessed": True,
        }
    )
    return item


def v2_body(
    items: list[dict[str, Any]], bulk_job_id: str | None = None, termination: MIError | None = None
) -> dict[str, Any]:
    """The v2 envelope around already rendered items (each success, failure or not processed)."""
    skipped = sum(1 for i in items if i.get("notProcessed"))
    failed = sum(1 for i in items if "errorType" in i) - skipped
    body: dict[str, Any] = {
        "results": items,
        "wasTerminated": termination is not None,
        "nrOfSuccessfullTransactions": len(items) - failed - skipped,
        "nrOfFailedTransactions": failed,
        "nrOfNotProcessedTransactions": skipped,
    }
    if termination is not None:
        body["terminationReason"] = termination.message
        body["terminationErrorType"] = termination.error_type
    if bulk_job_id is not None:
        body["bulkJobId"] = bulk_job_id
    return body


def v1_body(program: str, outcome: Outcome, options: Options, error_shape: str = "nok") -> dict[str, Any]:
    """The legacy `/m3api-rest/execute` shape (Infor KB 2159861 fixtures); some grids answer a failure as a
    bare `{"ErrorMessage"}` (`error_shape="error_message"`) [C]. A partial list has both records and error [I]."""
    failure: dict[str, Any] = {}
    if outcome.error is not None:
        error = outcome.error
        if error_shape == "error_message":
            failure = {"ErrorMessage": error.message}
        else:
            failure = {
                "@type": error.error_type,
                "@code": error.code or None,
                "@cfg": None,
                "@field": error.field or None,
                "Message": error.message.ljust(V1_MESSAGE_WIDTH),
            }
        if not outcome.records:
            return failure
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
    return {**body, **failure}
