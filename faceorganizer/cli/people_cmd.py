"""People commands: cluster, people, name, merge, move, reject, ignore, hide, undo, photos."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from faceorganizer.cli import validate
from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown
from faceorganizer.core.library.errors import NameTaken, PeopleError
from faceorganizer.core.records import Changes

if TYPE_CHECKING:
    from faceorganizer.core.library import Library


def register(sub: Any) -> None:
    """Add the commands to the parser."""
    p = sub.add_parser("cluster", help="group faces into people (user decisions are kept)")
    add_db_option(p)
    p.add_argument("--method", choices=["agglomerative", "hdbscan"], default=None)
    p.add_argument(
        "--threshold", type=validate.cosine_distance, default=None, help="cosine distance (0-2]"
    )
    p.add_argument("--incremental", action="store_true", help="only place faces not yet grouped")
    p.add_argument(
        "--doubtful",
        action="store_true",
        help="also group faces flagged doubtful (the second detector saw no face there)",
    )
    p.set_defaults(handler=cmd_cluster)

    p = sub.add_parser("people", help="list people and groups")
    add_db_option(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--hidden", action="store_true", help="include hidden people")
    p.set_defaults(handler=cmd_people)

    p = sub.add_parser("name", help="name or rename a person (id or current name)")
    add_db_option(p)
    p.add_argument("person")
    p.add_argument("name")
    p.add_argument("--merge", action="store_true", help="if the name exists, merge into it")
    p.set_defaults(handler=cmd_name)

    p = sub.add_parser("person", help="a person's details: --born DATE (or --no-born)")
    add_db_option(p)
    p.add_argument("person")
    born = p.add_mutually_exclusive_group(required=True)
    born.add_argument("--born", metavar="YYYY-MM-DD", help="birth date ('' forgets it)")
    born.add_argument("--no-born", action="store_true", help="forget the birth date")
    p.set_defaults(handler=cmd_person)

    p = sub.add_parser("merge", help="merge people into the first one")
    add_db_option(p)
    p.add_argument("target")
    p.add_argument("sources", nargs="+")
    p.set_defaults(handler=cmd_merge)

    p = sub.add_parser("move", help="move faces to a person (a new name creates the person)")
    add_db_option(p)
    p.add_argument(
        "--face", type=validate.face_id, action="extend", nargs="+", required=True, dest="faces"
    )
    p.add_argument("--to", required=True)
    p.set_defaults(handler=cmd_move)

    p = sub.add_parser("reject", help='"not this person": faces leave it for good')
    add_db_option(p)
    p.add_argument(
        "--face", type=validate.face_id, action="extend", nargs="+", required=True, dest="faces"
    )
    p.add_argument("--from", required=True, dest="person")
    p.set_defaults(handler=cmd_reject)

    p = sub.add_parser("ignore", help="never group these faces (not a face, a stranger)")
    add_db_option(p)
    p.add_argument(
        "--face", type=validate.face_id, action="extend", nargs="+", required=True, dest="faces"
    )
    p.add_argument("--undo", action="store_true", help="let them be grouped again")
    p.set_defaults(handler=cmd_ignore)

    for verb in ("hide", "unhide"):
        p = sub.add_parser(verb, help=f"{verb} a person")
        add_db_option(p)
        p.add_argument("person")
        p.set_defaults(handler=cmd_hide, hidden=verb == "hide")

    p = sub.add_parser("undo", help="undo the last people operation")
    add_db_option(p)
    p.set_defaults(handler=cmd_undo)

    p = sub.add_parser(
        "photos", help="photos of people together, without others, taken in a period"
    )
    add_db_option(p)
    p.add_argument("--person", action="append", default=[], dest="people", help="in the photo")
    p.add_argument("--not", action="append", default=[], dest="without", help="not in it")
    p.add_argument("--only", action="store_true", help="nobody else named in the photo")
    p.add_argument("--from", type=validate.date_bound, dest="taken_from", metavar="DATE")
    p.add_argument("--to", type=validate.date_bound, dest="taken_to", metavar="DATE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_photos)


def _report(changes: Changes | None) -> int:
    if changes is None:
        print("nothing to undo")
        return 0
    print(
        f"{changes.label}: {len(changes.faces)} face(s), {len(changes.people)} person(s) changed"
        + (f", {len(changes.removed_people)} removed" if changes.removed_people else "")
    )
    return 0


def _with_ops(args: argparse.Namespace, fn: Any) -> int:
    """Run ``fn(Library) -> exit status`` (the library's people use cases); a PeopleError
    (an unknown person, a taken name) is one line and status 1."""
    try:
        return int(fn(open_library(args)))
    except PeopleError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 1


def cmd_cluster(args: argparse.Namespace) -> int:
    """Group faces into people."""
    from faceorganizer.core.library.measuring import GroupingOptions

    options = GroupingOptions(incremental=args.incremental, doubtful=args.doubtful).with_method(
        args.method, args.threshold
    )
    done = open_library(args).regroup(options)
    changes, people, unsorted = done.changes, done.people, done.unsorted
    named = sum(1 for p in people if p.name)
    print(
        f"cluster: method={options.cluster.method} threshold={options.cluster.threshold}"
        f" people={len(people)} named={named} unnamed={len(people) - named}"
        f" unsorted_faces={unsorted} changed_faces={len(changes.faces)}"
    )
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    """List people."""
    library = open_library(args, readonly=True)
    items = library.people_listing(include_hidden=args.hidden or args.json)
    unsorted = library.unsorted_count()
    if args.json:
        json.dump(items, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    for it in items:
        label = shown(it["name"]) if it["name"] else f"(unnamed group {it['id']})"
        hidden = " [hidden]" if it["hidden"] else ""
        born = f" (born {it['born']})" if it["born"] else ""
        print(
            f"{it['id']}\t{label}{hidden}{born}\t{it['face_count']} faces"
            f"\t{it['photo_count']} photos"
        )
    print(f"unsorted faces: {unsorted}")
    return 0


def cmd_name(args: argparse.Namespace) -> int:
    """Name a person, or merge into the person who has the name."""

    def run(lib: Library) -> int:
        person = lib.resolve([args.person])[0]
        try:
            return _report(lib.name_person(person.id, args.name))
        except NameTaken as taken:
            if not args.merge:
                print(f"error: {shown(taken)} (add --merge to merge them)", file=sys.stderr)
                return 1
            return _report(lib.merge(taken.existing_id, [person.id]))

    return _with_ops(args, run)


def cmd_person(args: argparse.Namespace) -> int:
    """Set or forget a person's birth date (faces from before it leave them; undoable)."""
    born = None if args.no_born else (args.born.strip() or None)
    return _with_ops(
        args, lambda lib: _report(lib.set_born(lib.resolve([args.person])[0].id, born))
    )


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge people."""

    def run(lib: Library) -> int:
        target = lib.resolve([args.target])[0]
        return _report(lib.merge(target.id, [p.id for p in lib.resolve(args.sources)]))

    return _with_ops(args, run)


def cmd_move(args: argparse.Namespace) -> int:
    """Move faces to a person, creating a named person if needed."""

    def run(lib: Library) -> int:
        try:
            target = lib.resolve([args.to])[0]
        except PeopleError:
            if args.to.isdigit():
                raise
            return _report(lib.new_person(args.to, args.faces))
        return _report(lib.accept_faces(args.faces, target.id))

    return _with_ops(args, run)


def cmd_reject(args: argparse.Namespace) -> int:
    """Not this person."""
    return _with_ops(
        args, lambda lib: _report(lib.reject_faces(args.faces, lib.resolve([args.person])[0].id))
    )


def cmd_ignore(args: argparse.Namespace) -> int:
    """Ignore faces."""
    if args.undo:
        return _with_ops(args, lambda lib: _report(lib.unignore_faces(args.faces)))
    return _with_ops(args, lambda lib: _report(lib.ignore_faces(args.faces)))


def cmd_hide(args: argparse.Namespace) -> int:
    """Hide or show a person."""
    return _with_ops(
        args, lambda lib: _report(lib.set_hidden(lib.resolve([args.person])[0].id, args.hidden))
    )


def cmd_undo(args: argparse.Namespace) -> int:
    """Undo the last operation."""
    return _with_ops(args, lambda lib: _report(lib.undo()))


def cmd_photos(args: argparse.Namespace) -> int:
    """Photos of people together (``--only``: nobody else), without others, in a period."""
    from faceorganizer.core.library.photo_query import DateBoundError, PhotoQuery

    if not (args.people or args.without or args.taken_from or args.taken_to):
        print("error: give --person, --not, --from or --to", file=sys.stderr)
        return 2
    library = open_library(args, readonly=True)
    try:
        query = PhotoQuery(
            with_all=[p.id for p in library.resolve(args.people)],
            without=[p.id for p in library.resolve(args.without)],
            only=args.only,
            taken_from=args.taken_from,
            taken_to=args.taken_to,
        )
        query.bounds()
    except PeopleError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 1
    except DateBoundError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 2
    hits = library.find_photos(query)
    offline = library.offline_photos()  # kept while their folder is offline (an unplugged drive)
    if args.json:
        items = [
            {
                "photo": h.path,
                "taken": h.taken,
                "taken_source": h.taken_source,
                "taken_guessed": h.taken_source == "file" if h.taken else None,
                "people": [{"id": pid, "name": name} for pid, name in h.people],
                "offline": h.id in offline,
            }
            for h in hits
        ]
        json.dump(items, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for h in hits:
            print(f"{shown(h.path)}\t{h.taken or '-'}" + ("\t(offline)" if h.id in offline else ""))
    return 0
