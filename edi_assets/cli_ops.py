"""The operations commands of ``edi``: what is held and why, replay after a fix, a document's story.

    edi holds CUSTOMER [--all]               open holds (or every hold) with their reasons
    edi holds approve HOLD --by NAME [--note TEXT]   let a held document through (audited)
    edi replay CUSTOMER [--ids 1 2 ...]      run held or failed records again
    edi audit DOCUMENT [--customer C]        the audit trail of a document (ledger id, number or key)
    edi qbwc serve [--port 8000]             the QuickBooks Web Connector endpoint, on 127.0.0.1
    edi dev-setup                            demo credentials into the vault once the simulators answer
    edi scorecard CUSTOMER [--weeks N] [--png FILE]   partners' on-time rates per ISO week, what is overdue
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import pandas as pd


def _ledger(args: argparse.Namespace) -> Any:
    from edi_assets.ledger import Ledger

    return Ledger(args.ledger_url)


def _print_table(rows: list[dict[str, Any]], columns: list[str], empty: str) -> None:
    if not rows:
        print(empty)
        return
    frame = pd.DataFrame(rows, columns=columns)
    print(frame.to_string(index=False, max_colwidth=100))


def cmd_holds(args: argparse.Namespace) -> int:
    ledger = _ledger(args)
    holds = ledger.holds(args.customer, open_only=not args.all)
    rows = [{"hold": h.id, "state": h.state, "partner": h.partner or "", "subject": f"{h.subject} {h.subject_id}",
             "code": h.code, "since": h.created_at.strftime("%Y-%m-%d %H:%M"), "reason": h.reason} for h in holds]
    _print_table(rows, ["hold", "state", "partner", "subject", "code", "since", "reason"],
                 f"no {'' if args.all else 'open '}holds for {args.customer}")
    return 0


def cmd_holds_approve(args: argparse.Namespace) -> int:
    from edi_assets.ledger import LedgerError

    ledger = _ledger(args)
    try:
        hold = ledger.resolve_hold(args.hold, state="approved", by=args.by, note=args.note, release=True)
    except LedgerError as error:
        print(f"edi: {error}")
        return 1
    print(f"hold {hold.id} approved by {args.by}; {hold.subject} {hold.subject_id} goes through on the next run "
          f"(or `edi replay {hold.customer} --ids {hold.subject_id}`)")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from edi_assets.customers import load_customers
    from edi_assets.defs.resources import EdiResource  # the same runtime the Dagster replay job opens
    from edi_assets.pipeline.replay import replay

    load_customers(args.customers).get(args.customer)  # a clear error for an unknown customer
    resource = EdiResource(customers_file=args.customers, ledger_url=args.ledger_url)
    with resource.runtime(args.customer, print) as rt:
        report = replay(rt, args.ids or None, by=args.by)
    print(f"replayed {len(report.replayed)} record(s): {report.replayed}")
    for reason in report.refused:
        print(f"not replayed: {reason}")
    if report.posting is not None:
        for held in report.posting.held:
            print(f"held again: {held['document']}: {held['reason']}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    ledger = _ledger(args)
    documents = ledger.find_documents(args.document, args.customer)
    if not documents:
        print(f"no document {args.document!r} in the ledger")
        return 1
    for row in documents:
        print(f"document {row.id}: {row.direction} {row.doc_type} {row.number or ''} of {row.customer}/{row.partner}"
              f" — {row.state}{': ' + row.reason if row.reason else ''}")
        trail = [{"at": a.at.strftime("%Y-%m-%d %H:%M:%S"), "step": a.step, "by": a.actor,
                  "detail": json.dumps(a.detail, sort_keys=True, default=str) if a.detail else ""}
                 for a in ledger.trail("document", row.id)]
        _print_table(trail, ["at", "step", "by", "detail"], "  (no audit rows)")
        print()
    return 0


def cmd_scorecard(args: argparse.Namespace) -> int:
    import datetime as dt

    from edi_assets.customers import load_customers
    from edi_assets.scorecards import build_scorecard
    from edi_assets.scorecards.report import text_report

    try:
        customer = load_customers(args.customers).get(args.customer)
        as_of = dt.datetime.fromisoformat(args.as_of) if args.as_of else None
    except (KeyError, ValueError) as error:
        print(f"edi: {error.args[0] if error.args else error}")
        return 1
    card = build_scorecard(_ledger(args), customer, as_of=as_of, weeks=args.weeks)
    print(text_report(card))
    if args.png:
        with open(args.png, "wb") as out:
            out.write(card.png())
        print(f"\nplot written to {args.png}")
    return 0


def _holds_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edi holds", description="held documents and why; "
                                     "`edi holds approve HOLD --by NAME` lets one through (audited)")
    parser.add_argument("--ledger-url", help="default $EDI_LEDGER_URL, else SQLite under $DAGSTER_HOME")
    parser.add_argument("customer", help="the customer whose holds to list")
    parser.add_argument("--all", action="store_true", help="resolved holds too")
    return parser


def _approve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edi holds approve", description="let a held document through (audited)")
    parser.add_argument("--ledger-url", help="default $EDI_LEDGER_URL, else SQLite under $DAGSTER_HOME")
    parser.add_argument("hold", type=int)
    parser.add_argument("--by", required=True, help="who approves (recorded in the audit trail)")
    parser.add_argument("--note", help="why")
    return parser


def holds_main(words: list[str]) -> int:
    """``edi holds CUSTOMER`` or ``edi holds approve HOLD --by NAME``: a customer may not be called approve."""
    if words[:1] == ["approve"]:
        return cmd_holds_approve(_approve_parser().parse_args(words[1:]))
    return cmd_holds(_holds_parser().parse_args(words))


def cmd_holds_dispatch(args: argparse.Namespace) -> int:
    return holds_main(list(args.rest))


def cmd_qbwc_serve(args: argparse.Namespace) -> int:
    """The QuickBooks Web Connector endpoint for every QuickBooks customer, on 127.0.0.1 only."""
    from edi_assets.connectors.quickbooks.service import create_app, run, service_for
    from edi_assets.customers import load_customers
    from edi_assets.pipeline.runtime import vault_credentials
    from edi_assets.vault import Vault

    vault = Vault()
    service = service_for(load_customers(args.customers), lambda customer: vault_credentials(vault, customer))
    print(f"Web Connector endpoint on http://127.0.0.1:{args.port}/qbwc (.qwc files at /qwc/CUSTOMER)")
    run(create_app(service), port=args.port)
    return 0


def cmd_dev_setup(args: argparse.Namespace) -> int:
    """For `make dev`: wait for the simulators on the demo ports and store the demo credentials."""
    from pathlib import Path

    from edi_assets.demo_pipeline import SYSTEMS, store_credentials, wait_for

    urls = {system: f"http://127.0.0.1:{args.base_port + i}" for i, system in enumerate(SYSTEMS)}
    wait_for(urls)
    store_credentials(Path.cwd(), urls)
    print("demo credentials stored in the vault under $DAGSTER_HOME")
    return 0


def add_commands(sub: Any) -> None:
    ledger_opts = argparse.ArgumentParser(add_help=False)
    ledger_opts.add_argument("--ledger-url", help="default $EDI_LEDGER_URL, else SQLite under $DAGSTER_HOME")
    holds = sub.add_parser("holds", help="held documents and why (edi holds CUSTOMER [--all]); "
                                         "edi holds approve HOLD --by NAME [--note TEXT]", add_help=False)
    holds.add_argument("rest", nargs=argparse.REMAINDER)
    holds.set_defaults(func=cmd_holds_dispatch)
    rep = sub.add_parser("replay", parents=[ledger_opts], help="run held or failed records of a customer again")
    rep.add_argument("customer")
    rep.add_argument("--ids", type=int, nargs="+", help="document ids (default: every replayable record)")
    rep.add_argument("--by", default="cli", help="who asks (recorded in the audit trail)")
    rep.add_argument("--customers", help="customers file (default $EDI_CUSTOMERS_FILE or mappings/customers.yaml)")
    rep.set_defaults(func=cmd_replay)
    aud = sub.add_parser("audit", parents=[ledger_opts], help="the audit trail of a document")
    aud.add_argument("document", help="ledger id, invoice/PO/shipment number, or identity key")
    aud.add_argument("--customer")
    aud.set_defaults(func=cmd_audit)
    qbwc = sub.add_parser("qbwc", help="the QuickBooks Web Connector endpoint").add_subparsers(
        dest="qbwc_command", required=True)
    serve = qbwc.add_parser("serve", help="serve it on 127.0.0.1 (the demo's .qwc points at port 8000)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--customers", help="customers file (default $EDI_CUSTOMERS_FILE or mappings/customers.yaml)")
    serve.set_defaults(func=cmd_qbwc_serve)
    setup = sub.add_parser("dev-setup", help="store the demo credentials once the simulators answer (make dev)")
    setup.add_argument("--base-port", type=int, default=8710)
    setup.set_defaults(func=cmd_dev_setup)
    card = sub.add_parser("scorecard", parents=[ledger_opts],
                          help="partners' on-time rates (997, 855, 856, 810) per ISO week and what is overdue")
    card.add_argument("customer")
    card.add_argument("--weeks", type=int, default=4, help="window of the per-partner rates and overdue (default 4)")
    card.add_argument("--as-of", help="ISO date-time to score at (default now, UTC)")
    card.add_argument("--png", help="also write the plot of the rates to this file")
    card.add_argument("--customers", help="customers file (default $EDI_CUSTOMERS_FILE or mappings/customers.yaml)")
    card.set_defaults(func=cmd_scorecard)
