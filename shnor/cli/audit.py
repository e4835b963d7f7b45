"""Commands: audit — the log of actions (who, what, when), for an admin of the whole region.

    python -m shnor audit [--since YYYY-MM-DD] [--format csv|table]

CSV header: at,user,action,details (action: the event's code; the table shows its Russian name).
"""
from __future__ import annotations

import sys

from shnor.cli.common import EXIT_OK, Refused, session, write_table
from shnor.services import audit


def cmd_audit(args) -> int:
    try:
        since = audit.parse_since(args.since)
    except audit.AuditError as exc:
        raise Refused(str(exc)) from None
    store, actor = session(args)
    rows = audit.audit_rows(store, actor, since=since)
    if args.format == "csv":
        sys.stdout.write(audit.to_csv(rows))
        return EXIT_OK
    if rows.empty:
        print("Записей в журнале нет" + (f" с {since:%d.%m.%Y}." if since else "."))
        return EXIT_OK
    recs = rows.assign(user=rows["user"].replace("", "—")).to_dict("records")
    write_table(recs, ["at", "user", "action_ru", "details"], audit.HEADS_RU)
    return EXIT_OK


def register(sub) -> None:
    """Registers `audit` on the CLI's subparsers."""
    p = sub.add_parser("audit", help="журнал действий (только администратор всего региона)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="записи начиная с этой даты")
    p.add_argument("--format", choices=["csv", "table"], default="table")
    p.set_defaults(func=cmd_audit)
