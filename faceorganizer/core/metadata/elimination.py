"""Which face is which name, when a source lists names without boxes (Google Takeout).

Rules, applied until nothing changes; a name is placed only when one face is left for it:

1. In a photo, the names not yet placed and the faces not yet named: one of each names that face.
   A face the user already confirmed as a listed person counts as placed; a face they confirmed
   as someone not listed is nobody the list names.
2. A group (the machine's grouping, or a person) whose faces appear in photos that list one name
   more often than any other — in at least 2 photos and more than half of the group's listed
   photos — or whose faces already placed all carry one name, is that name: its face in each
   photo that lists the name is placed, unless another face of that photo claims the same name
   as surely (a group holding a face already placed with the name is surer than co-occurrence).

What stays is reported as ambiguous, never guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MIN_SUPPORT = 2  # a group is a name only when seen with it in at least this many photos


@dataclass
class Placement:
    """The outcome: (photo, name, face) placed; (photo, name) left unplaced."""

    placed: list[tuple[int, str, int]] = field(default_factory=list)
    ambiguous: list[tuple[int, str]] = field(default_factory=list)


def place_names(
    listed: dict[int, list[str]],
    faces: dict[int, list[int]],
    group_of: dict[int, int],
    fixed: dict[int, str],
) -> Placement:
    """Place listed names on faces (see the module's rules).

    ``listed``: photo -> names (cleaned); ``faces``: photo -> its faces (ignored ones left out);
    ``group_of``: face -> group or person; ``fixed``: face -> the name of the person the user
    confirmed it as.
    """
    key = str.casefold
    open_names: dict[int, dict[str, str]] = {}  # photo -> casefold -> name as listed
    open_faces: dict[int, set[int]] = {}
    name_of_face: dict[int, str] = {}  # placed: face -> casefold name
    out = Placement()
    for photo, names in listed.items():
        todo = {key(n): n for n in names}
        free = set(faces.get(photo, []))
        for f in sorted(free):
            if f in fixed:
                free.discard(f)
                k = key(fixed[f])
                if k in todo:
                    out.placed.append((photo, todo.pop(k), f))
                    name_of_face[f] = k
        open_names[photo], open_faces[photo] = todo, free

    def place(photo: int, k: str, face: int) -> None:
        out.placed.append((photo, open_names[photo].pop(k), face))
        open_faces[photo].discard(face)
        name_of_face[face] = k

    members: dict[int, dict[int, list[int]]] = {}  # group -> photo -> its faces there
    for photo, fs in faces.items():
        if photo in listed:
            for f in fs:
                if f in group_of:
                    members.setdefault(group_of[f], {}).setdefault(photo, []).append(f)
    changed = True
    while changed:
        changed = False
        for photo in sorted(open_names):  # rule 1
            if len(open_names[photo]) == 1 and len(open_faces[photo]) == 1:
                place(photo, next(iter(open_names[photo])), next(iter(open_faces[photo])))
                changed = True
        # (photo, name) -> faces proposed, by strength: 1 the group already holds a face placed
        # with the name, 0 it was seen with the name; the stronger evidence wins a photo
        proposals: dict[tuple[int, str], dict[int, set[int]]] = {}
        for photos in members.values():  # rule 2
            found = _group_name(photos, listed, name_of_face)
            if found is None:
                continue
            group_name, strength = found
            for photo, in_photo in photos.items():
                unnamed = [f for f in in_photo if f in open_faces[photo]]
                if len(unnamed) == 1 and group_name in open_names[photo]:
                    by = proposals.setdefault((photo, group_name), {})
                    by.setdefault(strength, set()).add(unnamed[0])
        chosen: dict[tuple[int, str], int] = {}
        for slot, by in proposals.items():
            best = by[max(by)]
            if len(best) == 1:
                chosen[slot] = next(iter(best))
        claimed = Counter(chosen.values())
        for (photo, k), face in sorted(chosen.items()):
            if claimed[face] == 1 and k in open_names[photo] and face in open_faces[photo]:
                place(photo, k, face)
                changed = True
    for photo in sorted(open_names):
        out.ambiguous.extend((photo, n) for n in open_names[photo].values())
    return out


def _group_name(
    photos: dict[int, list[int]], listed: dict[int, list[str]], name_of_face: dict[int, str]
) -> tuple[str, int] | None:
    """The one name a group is and how sure: (name, 1) by its placed faces, (name, 0) by
    co-occurrence; None when unsure."""
    placed = {name_of_face[f] for fs in photos.values() for f in fs if f in name_of_face}
    if len(placed) > 1:
        return None  # the group holds two people: nothing is inferred from it
    if len(placed) == 1:
        return next(iter(placed)), 1
    counts = Counter(k for photo in photos for k in {n.casefold() for n in listed[photo]})
    if not counts:
        return None
    (best, n), *rest = counts.most_common(2) + [("", 0)]
    if n < MIN_SUPPORT or n * 2 <= len(photos) or (rest and rest[0][1] == n):
        return None
    return best, 0
