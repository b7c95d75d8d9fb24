"""`shopper evaluations list`."""

from __future__ import annotations

import argparse

from shopper.cli._common import check_names, date_arg, open_db, print_json
from shopper.domain import STATUSES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "evaluations",
        help="list evaluations with their scores",
        description="Evaluations (shops) with their stored scores; the ID column is what "
        "`shopper shop-report` takes.",
    )
    commands = parser.add_subparsers(dest="evaluations_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list",
        help="list evaluations, oldest visit first",
        description="List evaluations with their stored scores and ids, ordered by visit "
        "date. Agent and property names are matched whole, ignoring case and extra spaces; "
        "a name that matches nothing is an error (see `shopper agents list` and `shopper "
        "properties list`).",
    )
    lst.add_argument("--agent", metavar="NAME", help="only this agent (exact name, any case)")
    lst.add_argument("--property", metavar="NAME", help="only this property")
    lst.add_argument("--status", choices=STATUSES, help="only this status")
    lst.add_argument(
        "--counted",
        action="store_true",
        help="only shops that count in aggregates (see review_required; never excluded ones)",
    )
    lst.add_argument("--excluded", action="store_true", help="only excluded shops")
    lst.add_argument(
        "--from", dest="date_from", type=date_arg, metavar="DATE", help="visited on or after"
    )
    lst.add_argument(
        "--to", dest="date_to", type=date_arg, metavar="DATE", help="visited on or before"
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    from shopper.scoring import format_pct, round_pct
    from shopper.services import evaluation_list

    flt = evaluation_list.EvaluationFilter(
        property_name=args.property,
        agent_name=args.agent,
        status=args.status,
        date_from=args.date_from,
        date_to=args.date_to,
        counted=True if args.counted else None,
        excluded=True if args.excluded else None,
    )
    db = open_db(args)
    try:
        if args.property is not None or args.agent is not None:
            check_names(db, args.property, [args.agent] if args.agent is not None else [])
        rows = evaluation_list.list_summaries(db, flt)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "visited_on": r.visited_on.isoformat(),
                    "property": r.property_name,
                    "agent": r.agent_name,
                    "shopper": r.shopper,
                    "channel": r.channel,
                    "status": r.status,
                    "rubric_key": r.rubric_key,
                    "rubric_version": r.rubric_version,
                    "overall_pct": (
                        float(p) if (p := round_pct(r.overall_pct)) is not None else None
                    ),
                    "critical_failure": r.critical_failure,
                    "excluded": r.excluded,
                    "answered": r.answered,
                    "total": r.total,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("No evaluations match.")
        return 0
    print(f"{'VISITED':<10}  {'PROPERTY':<22} {'AGENT':<22} {'STATUS':<18} {'OVERALL':>7}  ID")
    for r in rows:
        flag = (" !" if r.critical_failure else "") + (" x" if r.excluded else "")
        print(
            f"{r.visited_on.isoformat():<10}  {r.property_name[:22]:<22} {r.agent_name[:22]:<22} "
            f"{r.status:<18} {format_pct(r.overall_pct):>7}{flag}  {r.id}"
        )
    print(f"{len(rows)} evaluation(s); ! marks a critical failure, x an excluded shop")
    return 0
