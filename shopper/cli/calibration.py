"""`shopper calibration list|create|invite|start|reference|kit|report|stats`: calibration sessions
(SCORING.md, *Calibration*): several raters score the same tour blind, against a reference."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopper.cli._actors import PERSON_ENV, evaluation_id
from shopper.cli._common import check_output_file, open_db, print_json, property_id_of

if TYPE_CHECKING:
    from shopper.services.calibration import SessionResults
    from shopper.storage.db import Database

VIEWER_HELP = (
    f"who is asking: a person's name or id (default ${PERSON_ENV}); a rater who has not "
    "submitted sees nobody else's answers"
)

SESSION_HELP = "session id (or its first 8+ characters); see `shopper calibration list`"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "calibration",
        help="calibration sessions: do the shoppers score the same tour the same way?",
        description="Calibration sessions: several people score the same tour (usually a "
        "recording) on one rubric version, blind to each other, against a reference (the "
        "expert's key). Calibration evaluations never count in any figure.",
    )
    commands = parser.add_subparsers(dest="calibration_command", metavar="ACTION", required=True)
    lst = commands.add_parser("list", help="list sessions", description="Sessions, newest first.")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)

    create = commands.add_parser(
        "create", help="create a session", description="Create a calibration session."
    )
    create.add_argument("title", metavar="TITLE", help="what the session is called")
    create.add_argument(
        "--rubric", metavar="KEY[:VERSION]", help="rubric (default: the default rubric, latest)"
    )
    create.add_argument("--recording", metavar="FILE_OR_LINK", help="the tour to score")
    create.add_argument("--notes", metavar="TEXT", help="notes for the raters")
    create.add_argument("--agent", metavar="NAME", help="the agent whose tour it is")
    create.add_argument("--property", metavar="NAME", help="the agent's property")
    create.set_defaults(handler=run_create)

    invite = commands.add_parser(
        "invite", help="invite raters", description="Invite people (names or ids) to score."
    )
    invite.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    invite.add_argument("people", metavar="PERSON", nargs="+", help="a person's name or id")
    invite.set_defaults(handler=run_invite)

    start = commands.add_parser(
        "start",
        help="start a rater's evaluation",
        description="Create (or find) the rater's calibration evaluation and print its id; "
        "answer it like any evaluation.",
    )
    start.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    start.add_argument("rater", metavar="PERSON", help="the rater: a person's name or id")
    start.add_argument("--reference", action="store_true", help="it is the expert's key")
    start.set_defaults(handler=run_start)

    reference = commands.add_parser(
        "reference",
        help="mark the reference evaluation",
        description="Mark one of the session's evaluations as its reference (the expert's key).",
    )
    reference.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    reference.add_argument(
        "evaluation", metavar="EVALUATION", help="evaluation id (or its first 8+ characters)"
    )
    reference.set_defaults(handler=run_reference)

    kit = commands.add_parser(
        "kit",
        help="write a session's kit for raters on laptops",
        description="Write a package with the session, its rubric version, agent and people, "
        "and nobody's answers: a rater imports it, scores offline, and sends an export back.",
    )
    kit.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    kit.add_argument("out", metavar="OUT.json", type=Path, help="the package to write")
    kit.set_defaults(handler=run_kit)

    report = commands.add_parser(
        "report", help="write the session's PDF report", description="Write the PDF report."
    )
    report.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    report.add_argument("out", metavar="OUT.pdf", type=Path, help="the PDF to write")
    report.add_argument("--page-size", choices=("letter", "a4"), help="paper")
    report.add_argument("--by", metavar="NAME", help=VIEWER_HELP)
    report.set_defaults(handler=run_report)

    stats = commands.add_parser(
        "stats",
        help="a session's results, or each rater's leaning across sessions",
        description="With SESSION: reliability, raters against the reference and item "
        "agreement (least first). Without: each rater's mean deviation across sessions.",
    )
    stats.add_argument(
        "session", metavar="SESSION", nargs="?", help=SESSION_HELP + "; none: every rater"
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--by", metavar="NAME", help=VIEWER_HELP)
    stats.set_defaults(handler=run_stats)


def _viewer(args: argparse.Namespace) -> str | None:
    import os

    given = (getattr(args, "by", None) or os.environ.get(PERSON_ENV) or "").strip()
    return given or None


def session_id(db: Database, given: str) -> str:
    """A whole session id, or the one id starting with `given` (8 characters or more)."""
    from shopper.errors import NotFoundError, ValidationError
    from shopper.services import calibration

    given = given.strip()
    ids = [s.id for s in calibration.list_sessions(db)]
    if given in ids:
        return given
    found = [i for i in ids if len(given) >= 8 and i.startswith(given)]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValidationError(f"{given!r} starts more than one session id; give more")
    raise NotFoundError(
        f"calibration session {given} does not exist; see `shopper calibration list`"
    )


def run_list(args: argparse.Namespace) -> int:
    from shopper.services import calibration

    db = open_db(args)
    try:
        found = calibration.list_sessions(db)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": s.id,
                    "title": s.title,
                    "rubric_key": s.rubric_key,
                    "rubric_version": s.rubric_version,
                    "recording": s.recording,
                    "reference_evaluation_id": s.reference_evaluation_id,
                    "created_at": s.created_at.isoformat(),
                    "raters": [
                        {
                            "person_id": r.person_id,
                            "name": r.name,
                            "invited": r.invited,
                            "evaluation_id": r.evaluation_id,
                            "status": r.status,
                        }
                        for r in s.raters
                    ],
                }
                for s in found
            ]
        )
        return 0
    if not found:
        print('No calibration sessions yet; create one with `shopper calibration create "TITLE"`.')
        return 0
    print(f"{'CREATED':<11} {'TITLE':<36} {'RUBRIC':<22} {'SUBMITTED':>9}  ID")
    for s in found:
        rubric = f"{s.rubric_key} v{s.rubric_version}"
        submitted = f"{s.submitted_count}/{len(s.raters)}"
        print(
            f"{s.created_at.date().isoformat():<11} {s.title[:36]:<36} {rubric[:22]:<22} "
            f"{submitted:>9}  {s.id}"
        )
    return 0


def _rubric_id(db: Database, given: str | None) -> int:
    from shopper.errors import NotFoundError, ValidationError
    from shopper.services import rubrics

    if given is None:
        found = rubrics.default_rubric(db)
        if found is None:
            raise NotFoundError("there is no rubric yet; import one with `shopper rubric import`")
        return found.id
    key, _, version = given.partition(":")
    if version and not version.isdigit():
        raise ValidationError(f"{given!r}: give the rubric as KEY or KEY:VERSION, e.g. tour:2")
    return rubrics.find(db, key, int(version) if version else None).id


def _agent_id(db: Database, name: str | None, property_name: str | None) -> str | None:
    from shopper.errors import NotFoundError, ValidationError
    from shopper.services import agents
    from shopper.services.agents import name_key

    if name is None:
        return None
    property_id = property_id_of(db, property_name) if property_name else None
    found = [
        a
        for a in agents.list_agents(db, property_id=property_id)
        if a.id == name or name_key(a.name) == name_key(name)
    ]
    if not found:
        raise NotFoundError(f"there is no agent called {name!r}; see `shopper agents list`")
    if len(found) > 1:
        raise ValidationError(f"several agents are called {name!r}; add --property NAME")
    return found[0].id


def run_create(args: argparse.Namespace) -> int:
    from shopper.services import calibration

    db = open_db(args)
    try:
        info = calibration.create_session(
            db,
            title=args.title,
            rubric_id=_rubric_id(db, args.rubric),
            recording=args.recording,
            notes=args.notes,
            agent_id=_agent_id(db, args.agent, args.property),
        )
    finally:
        db.close()
    print(f"Created {info.title!r} ({info.rubric_key} v{info.rubric_version}): {info.id}")
    return 0


def run_invite(args: argparse.Namespace) -> int:
    from shopper.services import calibration

    db = open_db(args)
    try:
        info = calibration.invite(db, session_id(db, args.session), args.people)
    finally:
        db.close()
    print(f"{info.title}: {', '.join(r.name for r in info.raters if r.invited)} invited")
    return 0


def run_start(args: argparse.Namespace) -> int:
    from shopper.services import calibration

    db = open_db(args)
    try:
        found = calibration.start_evaluation(
            db, session_id(db, args.session), args.rater, reference=args.reference
        )
    finally:
        db.close()
    print(found)
    return 0


def run_reference(args: argparse.Namespace) -> int:
    from shopper.services import calibration

    db = open_db(args)
    try:
        info = calibration.mark_reference(
            db, session_id(db, args.session), evaluation_id(db, args.evaluation)
        )
    finally:
        db.close()
    print(f"{info.title}: reference is evaluation {info.reference_evaluation_id}")
    return 0


def run_kit(args: argparse.Namespace) -> int:
    from shopper.exchange.common import PackageFilter
    from shopper.exchange.package_export import export_package

    check_output_file(args.out, "session.json")
    db = open_db(args)
    try:
        chosen = session_id(db, args.session)
        export_package(db, args.out, PackageFilter(calibration_kit=chosen))
    finally:
        db.close()
    print(f"Wrote {args.out}: the session for raters to import (no one's answers)")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from shopper.reports.calibration_pdf import calibration_report_data, render_calibration_report

    check_output_file(args.out, "report.pdf")
    db = open_db(args)
    try:
        data = calibration_report_data(db, session_id(db, args.session), viewer=_viewer(args))
    finally:
        db.close()
    count = render_calibration_report(data, args.out, args.page_size)
    print(f"Wrote {args.out} ({count} page{'s' if count != 1 else ''})")
    return 0


def _results_json(result: SessionResults) -> dict[str, Any]:
    return {
        "session_id": result.session.id,
        "title": result.session.title,
        "reference": result.reference_name,
        "reference_overall_pct": result.reference_overall_pct,
        "reliability": [
            {"level": r.level, "alpha": r.alpha, "raters": r.raters, "items": r.items}
            for r in result.reliability
        ],
        "raters": [
            {
                "person_id": r.person_id,
                "name": r.name,
                "evaluation_id": r.evaluation_id,
                "overall_pct": r.overall_pct,
                "deviation": None if r.deviation is None else float(r.deviation),
                "matching": r.matching,
                "compared": r.compared,
            }
            for r in result.raters
        ],
        "items": [
            {
                "path": i.path,
                "prompt": i.prompt,
                "reference": i.reference,
                "agreement": None if i.agreement is None else float(i.agreement),
                "matching": i.matching,
                "rated": i.rated,
                "guidance": i.guidance,
            }
            for i in result.items
        ],
        "least_agreed_path": result.least_agreed_path,
    }


def run_stats(args: argparse.Namespace) -> int:
    from shopper import scoring
    from shopper.reports.calibration_pdf import leaning, reliability_reading, signed_points
    from shopper.services import calibration

    db = open_db(args)
    try:
        if args.session is None:
            trends = calibration.rater_trends(db, viewer=_viewer(args))
            result = None
        else:
            result = calibration.results(db, session_id(db, args.session), viewer=_viewer(args))
    finally:
        db.close()
    if result is None:
        if args.json:
            print_json([t.__dict__ for t in trends])
            return 0
        if not trends:
            print("No rater has been compared with a reference yet.")
            return 0
        print(f"{'RATER':<30} {'SESSIONS':>8} {'MEAN DEVIATION':>15} {'MATCHING':>9}  LEANING")
        for t in trends:
            share = "—" if t.mean_share is None else scoring.format_pct(100 * t.mean_share, 0)
            print(
                f"{t.name[:30]:<30} {t.sessions:>8} {signed_points(t.mean_deviation):>15} "
                f"{share:>9}  {leaning(t.mean_deviation)}"
            )
        return 0
    if args.json:
        print_json(_results_json(result))
        return 0
    print(f"{result.session.title} — reference: {result.reference_name or 'not marked yet'}")
    for r in result.reliability:
        alpha = "—" if r.alpha is None else f"{r.alpha:.3f}"
        print(
            f"  alpha ({r.level}): {alpha} over {r.raters} raters × {r.items} items — "
            f"{reliability_reading(r.alpha)}"
        )
    for d in result.raters:
        print(f"  {d.name[:30]:<30} {signed_points(d.deviation):>12}  {leaning(d.deviation)}")
    for i in result.items[:10]:
        agreement = "—" if i.agreement is None else f"{i.matching}/{i.rated}"
        print(f"  {agreement:>6}  {i.path}  {i.prompt}")
    return 0
