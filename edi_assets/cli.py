"""The ``edi`` command.

    edi x12 inspect FILE [--json]       envelopes, transaction sets and every error
                                        (exit 0 valid, 1 errors found, 2 not X12 / unreadable)
    edi x12 documents FILE              canonical documents as JSON
    edi x12 ack FILE                    the 997s (and TA1s) that answer FILE
    edi x12 render --type T DOC.json    a canonical document (or a list) as an X12 interchange
    edi x12 samples [DIR]               the X12 engine over the bundled samples, as a table
    edi demo [--base-port P]            every flow of the five demo customers against the simulators
    edi credentials set CUSTOMER NAME   store a credential, the value read from stdin or a hidden prompt
    edi credentials list [CUSTOMER]     (customer, name) pairs, never values
    edi credentials delete CUSTOMER NAME
    edi credentials rotate-key          re-encrypt every credential under a new key
    edi holds CUSTOMER | holds approve HOLD --by NAME | replay CUSTOMER [--ids ...] | audit DOCUMENT
                                        operations on the ledger (see edi_assets.cli_ops)

Bad input never produces a traceback: one line on stderr says what is wrong and where.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

if TYPE_CHECKING:
    from edi_assets.vault import Vault

EXIT_OK, EXIT_ERRORS, EXIT_NOT_X12 = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or input files: reported in one line, exit 2."""


def _fail(message: str) -> int:
    print(f"edi: {message}", file=sys.stderr)
    return EXIT_NOT_X12


class _Progress:
    """'read 120 of 500 MB' on stderr while a large file is read, when stderr is a terminal."""

    MIN_BYTES = 20 * 1024 * 1024

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        total = reader.total_bytes
        self.on = bool(total and total >= self.MIN_BYTES and sys.stderr.isatty())
        self.total_mb = (total or 0) / 1e6
        self.last = -1

    def tick(self) -> None:
        if not self.on:
            return
        mb = self.reader.bytes_read // 10_000_000
        if mb != self.last:
            self.last = mb
            print(f"\r  read {self.reader.bytes_read / 1e6:,.0f} of {self.total_mb:,.0f} MB", end="", file=sys.stderr,
                  flush=True)

    def done(self) -> None:
        if self.on:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)


# -- inspect ---------------------------------------------------------------------------------
def inspect_file(path: Path) -> dict[str, Any]:
    """Everything ``inspect`` reports, as plain data."""
    from edi_assets.x12.analyze import analyze
    from edi_assets.x12.envelope import (
        FileIssue,
        Group,
        GroupEnd,
        Interchange,
        InterchangeEnd,
        TransactionSet,
    )
    from edi_assets.x12.errors import IssueCode, X12Issue
    from edi_assets.x12.reader import X12Reader

    interchanges: list[dict[str, Any]] = []
    file_issues: list[X12Issue] = []
    all_issues: list[X12Issue] = []
    current_ic: dict[str, Any] | None = None
    current_group: dict[str, Any] | None = None
    not_x12 = False
    reader = X12Reader(path)
    progress = _Progress(reader)
    for ev in reader:
        progress.tick()
        if isinstance(ev, FileIssue):
            file_issues.append(ev.issue)
            if ev.issue.code in (IssueCode.NOT_X12, IssueCode.EMPTY):
                not_x12 = True
        elif isinstance(ev, Interchange):
            d = ev.delimiters
            current_ic = {
                "ordinal": ev.ordinal, "sender": f"{ev.sender_qualifier}:{ev.sender_id}",
                "receiver": f"{ev.receiver_qualifier}:{ev.receiver_id}", "control_number": ev.control_number,
                "version": ev.version, "usage": ev.usage, "date": ev.date, "time": ev.time,
                "delimiters": {"element": d.element, "component": d.component, "segment": d.segment,
                               "repetition": d.repetition},
                "isa_length": ev.isa_length, "groups": [], "issues": [],
            }
            interchanges.append(current_ic)
        elif isinstance(ev, Group) and current_ic is not None:
            current_group = {
                "ordinal": ev.ordinal, "functional_id": ev.functional_id, "sender": ev.sender,
                "receiver": ev.receiver, "control_number": ev.control_number, "version": ev.version,
                "transactions": [], "issues": [],
            }
            current_ic["groups"].append(current_group)
        elif isinstance(ev, TransactionSet):
            a = analyze(ev)
            all_issues.extend(a.issues)
            entry = {
                "ordinal": ev.ordinal, "set_id": ev.set_id, "control_number": ev.control_number,
                "segments": len(ev.segments), "valid": not a.has_errors,
                "issues": [i.as_dict() for i in a.issues],
            }
            if current_group is not None and ev.group is not None:
                current_group["transactions"].append(entry)
            elif current_ic is not None:
                current_ic.setdefault("transactions_outside_groups", []).append(entry)
        elif isinstance(ev, GroupEnd):
            if current_group is not None:
                current_group["issues"] = [i.as_dict() for i in ev.group.issues]
            all_issues.extend(ev.group.issues)
            current_group = None
        elif isinstance(ev, InterchangeEnd) and current_ic is not None:
            current_ic["issues"] = [i.as_dict() for i in ev.interchange.issues]
            all_issues.extend(ev.interchange.issues)
    progress.done()
    all_issues.extend(file_issues)
    errors = [i for i in all_issues if i.is_error]
    return {
        "file": str(path), "x12": not not_x12, "valid": not not_x12 and not errors,
        "interchanges": interchanges,
        "counts": {
            "interchanges": len(interchanges),
            "groups": sum(len(i["groups"]) for i in interchanges),
            "transactions": sum(len(g["transactions"]) for i in interchanges for g in i["groups"]),
            "errors": len(errors), "warnings": len(all_issues) - len(errors),
        },
        "file_issues": [i.as_dict() for i in file_issues],
        "_issues": all_issues,
    }


def _print_inspect(report: dict[str, Any]) -> None:
    c = report["counts"]
    print(f"{report['file']}: {c['interchanges']} interchange(s), {c['groups']} group(s), "
          f"{c['transactions']} transaction set(s); {c['errors']} error(s), {c['warnings']} warning(s)")
    for ic in report["interchanges"]:
        d = ic["delimiters"]
        print(f"  ISA #{ic['ordinal']} {ic['sender']} -> {ic['receiver']} control {ic['control_number']} "
              f"version {ic['version']} usage {ic['usage']} delimiters "
              f"{d['element']!r} {d['component']!r} {d['segment']!r} {d['repetition']!r}")
        for g in ic["groups"]:
            print(f"    GS #{g['ordinal']} {g['functional_id']} {g['sender']} -> {g['receiver']} "
                  f"control {g['control_number']} version {g['version']}")
            for t in g["transactions"]:
                state = "valid" if t["valid"] else "INVALID"
                print(f"      ST {t['set_id']} {t['control_number']}: {t['segments']} segments, {state}")
    issues = report["_issues"]
    if issues:
        print("issues:")
        for i in issues:
            print(f"  {i.one_line()}")


def cmd_inspect(args: argparse.Namespace) -> int:
    report = inspect_file(Path(args.file))
    if args.json:
        out = {k: v for k, v in report.items() if not k.startswith("_")}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        _print_inspect(report)
    if not report["x12"]:
        first = report["file_issues"][0]["message"] if report["file_issues"] else "not X12"
        print(f"edi: {args.file}: {first}", file=sys.stderr)
        return EXIT_NOT_X12
    return EXIT_OK if report["valid"] else EXIT_ERRORS


# -- documents ---------------------------------------------------------------------------------
def cmd_documents(args: argparse.Namespace) -> int:
    from edi_assets.translate import parse_documents

    out = []
    saw_set = False
    for parsed in parse_documents(Path(args.file)):
        saw_set = True
        out.append({
            "envelope": parsed.envelope.model_dump(),
            "document": parsed.document.model_dump(mode="json") if parsed.document else None,
            "errors": [i.as_dict() for i in parsed.errors],
        })
    if not saw_set:
        report = inspect_file(Path(args.file))
        if not report["x12"]:
            return _fail(f"{args.file}: {report['file_issues'][0]['message']}")
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return EXIT_OK if all(not d["errors"] for d in out) else EXIT_ERRORS


# -- ack ---------------------------------------------------------------------------------------
def cmd_ack(args: argparse.Namespace) -> int:
    from edi_assets.translate import acknowledgment_file

    result = acknowledgment_file(Path(args.file), interchange_control_number=args.interchange_control,
                                 group_control_start=args.group_control)
    if not result.text:
        report = inspect_file(Path(args.file))
        why = report["file_issues"][0]["message"] if report["file_issues"] else "nothing to acknowledge"
        return _fail(f"{args.file}: {why}")
    sys.stdout.write(result.text + "\n")
    return EXIT_OK


# -- render ------------------------------------------------------------------------------------
def cmd_render(args: argparse.Namespace) -> int:
    from edi_assets.documents import DOCUMENT_TYPES
    from edi_assets.translate import render_documents
    from edi_assets.x12.writer import InterchangeSpec

    model = DOCUMENT_TYPES[args.type]
    try:
        raw = json.loads(Path(args.doc).read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {args.doc}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{args.doc} is not JSON: {exc.msg} (line {exc.lineno})") from None
    items = raw if isinstance(raw, list) else [raw]
    try:
        docs = TypeAdapter(list[model]).validate_python(items)  # type: ignore[valid-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise UsageError(f"{args.doc} is not a valid {args.type} document: {where}: {first['msg']}") from None
    spec = InterchangeSpec(args.sender_qualifier, args.sender, args.receiver_qualifier, args.receiver,
                           args.interchange_control, version="00501" if args.version.startswith("005") else "00401",
                           usage=args.usage, timestamp=dt.datetime.now(dt.UTC))
    text = render_documents(docs, spec, args.group_control, set_control_start=args.set_control,
                            gs_version=args.version, line_break="\n" if args.newlines else "")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


# -- demo --------------------------------------------------------------------------------------
def cmd_samples(args: argparse.Namespace) -> int:
    from edi_assets.demo import run_demo

    return run_demo(Path(args.dir))


def cmd_demo(args: argparse.Namespace) -> int:
    from edi_assets.demo_pipeline import run_demo

    return run_demo(Path.cwd(), base_port=args.base_port)


def cmd_simulators(args: argparse.Namespace) -> int:
    """Run the simulators in their own interpreter: the product imports nothing of them."""
    import subprocess

    return subprocess.call([sys.executable, "-m", "simulators", *(args.sim_args or ["up"])])


# -- credentials -------------------------------------------------------------------------------
def _vault_command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Vault errors (wrong key, loose key file, unknown credential) as one line on stderr, exit 2."""
    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        from edi_assets.vault import VaultError

        try:
            return func(args)
        except VaultError as exc:
            return _fail(str(exc))
    return wrapper


def _open_vault(args: argparse.Namespace) -> Vault:
    from edi_assets.vault import Vault

    return Vault(args.store, args.key_file)


@_vault_command
def cmd_credentials_set(args: argparse.Namespace) -> int:
    """The value comes from stdin (piped) or a hidden prompt, never argv: argv shows in `ps` and shell history."""
    from pydantic import SecretStr

    vault = _open_vault(args)
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            raw = getpass.getpass(f"value for {args.customer}/{args.name} (not echoed): ")
        else:
            raw = sys.stdin.read() if sys.stdin is not None else ""
    except (EOFError, KeyboardInterrupt):
        raise UsageError("no value given: nothing stored") from None
    for ending in ("\r\n", "\n"):  # `echo secret | edi credentials set ...` must not store the newline
        if raw.endswith(ending):
            raw = raw[: -len(ending)]
            break
    vault.set(args.customer, args.name, SecretStr(raw))
    print(f"stored {args.customer}/{args.name}")
    return EXIT_OK


@_vault_command
def cmd_credentials_list(args: argparse.Namespace) -> int:
    for customer, name in _open_vault(args).names(args.customer):
        print(f"{customer}\t{name}")
    return EXIT_OK


@_vault_command
def cmd_credentials_delete(args: argparse.Namespace) -> int:
    _open_vault(args).delete(args.customer, args.name)
    print(f"deleted {args.customer}/{args.name}")
    return EXIT_OK


@_vault_command
def cmd_credentials_rotate(args: argparse.Namespace) -> int:
    from edi_assets.vault import ENV_KEY

    vault = _open_vault(args)
    count = vault.rotate_key()
    if vault.key_source == ENV_KEY:
        print(f"re-encrypted {count} credential(s) under the first key of {ENV_KEY}; "
              f"now set {ENV_KEY} to that key alone")
    else:
        print(f"re-encrypted {count} credential(s) under a new key; the old key is gone from {vault.key_file}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edi", description="Cleo ⇄ ERP X12 EDI integration")
    sub = p.add_subparsers(dest="command", required=True)
    x12 = sub.add_parser("x12", help="read, validate, acknowledge and write X12").add_subparsers(
        dest="x12_command", required=True)
    ins = x12.add_parser("inspect", help="envelopes, transaction sets and every error")
    ins.add_argument("file")
    ins.add_argument("--json", action="store_true", help="machine-readable output")
    ins.set_defaults(func=cmd_inspect)
    docs = x12.add_parser("documents", help="canonical documents as JSON")
    docs.add_argument("file")
    docs.set_defaults(func=cmd_documents)
    ack = x12.add_parser("ack", help="the 997 (and TA1) answering FILE")
    ack.add_argument("file")
    ack.add_argument("--interchange-control", type=int, default=1, help="ISA13 of the answer")
    ack.add_argument("--group-control", type=int, default=1, help="GS06 of the first 997 group")
    ack.set_defaults(func=cmd_ack)
    ren = x12.add_parser("render", help="canonical document JSON to X12")
    ren.add_argument("--type", required=True, choices=["850", "810", "855", "856", "997"])
    ren.add_argument("doc", help="a JSON file holding one document or a list")
    ren.add_argument("--sender", default="SENDER")
    ren.add_argument("--sender-qualifier", default="ZZ")
    ren.add_argument("--receiver", default="RECEIVER")
    ren.add_argument("--receiver-qualifier", default="ZZ")
    ren.add_argument("--interchange-control", type=int, default=1)
    ren.add_argument("--group-control", type=int, default=1)
    ren.add_argument("--set-control", type=int, default=1)
    ren.add_argument("--version", default="004010", help="GS08, e.g. 004010 or 005010")
    ren.add_argument("--usage", default="P", choices=["P", "T"])
    ren.add_argument("--newlines", action="store_true", help="a line break after each segment")
    ren.set_defaults(func=cmd_render)
    sims = sub.add_parser("simulators", help="the bundled simulators (same as `python -m simulators`)")
    sims.add_argument("sim_args", nargs=argparse.REMAINDER, help="e.g. up [--scenario demo] [--base-port 8100]")
    sims.set_defaults(func=cmd_simulators)
    samples = x12.add_parser("samples", help="the X12 engine over a folder of sample files, as a table")
    samples.add_argument("dir", nargs="?", default="samples")
    samples.set_defaults(func=cmd_samples)
    demo = sub.add_parser("demo", help="every flow of the five demo customers against the bundled simulators")
    demo.add_argument("--base-port", type=int, default=8710, help="first of the six simulator ports")
    demo.set_defaults(func=cmd_demo)
    vault_opts = argparse.ArgumentParser(add_help=False)
    vault_opts.add_argument("--store", help="credentials file (default $DAGSTER_HOME/credentials.json)")
    vault_opts.add_argument("--key-file", help="key file (default: $EDI_VAULT_KEY, else $DAGSTER_HOME/vault.key)")
    cred = sub.add_parser("credentials", help="per-customer credentials, encrypted at rest").add_subparsers(
        dest="credentials_command", required=True)
    cset = cred.add_parser("set", parents=[vault_opts], help="store a credential (value from stdin or a prompt)")
    cset.add_argument("customer")
    cset.add_argument("name")
    cset.set_defaults(func=cmd_credentials_set)
    clist = cred.add_parser("list", parents=[vault_opts], help="stored (customer, name) pairs, never values")
    clist.add_argument("customer", nargs="?")
    clist.set_defaults(func=cmd_credentials_list)
    cdel = cred.add_parser("delete", parents=[vault_opts], help="remove a credential")
    cdel.add_argument("customer")
    cdel.add_argument("name")
    cdel.set_defaults(func=cmd_credentials_delete)
    crot = cred.add_parser("rotate-key", parents=[vault_opts], help="re-encrypt everything under a new key")
    crot.set_defaults(func=cmd_credentials_rotate)
    from edi_assets import cli_ops

    cli_ops.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from edi_assets.x12.errors import X12Error

    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["holds"]:  # `holds CUSTOMER` and `holds approve HOLD` share a word: parsed on their own
        from edi_assets.cli_ops import holds_main

        return holds_main(words[1:])
    args = build_parser().parse_args(words)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        return _fail(str(exc))
    except X12Error as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except BrokenPipeError:  # pragma: no cover - `edi ... | head`
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
