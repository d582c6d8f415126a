"""What an operation changed, so views refresh only that and undo knows what to restore."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    """The people and faces an operation touched."""

    label: str = ""
    people: set[int] = field(default_factory=set)
    removed_people: set[int] = field(default_factory=set)
    created_people: set[int] = field(default_factory=set)
    faces: set[int] = field(default_factory=set)

    def merge(self, other: Changes) -> Changes:
        """Both sets of changes."""
        return Changes(
            label=self.label or other.label,
            people=self.people | other.people,
            removed_people=self.removed_people | other.removed_people,
            created_people=self.created_people | other.created_people,
            faces=self.faces | other.faces,
        )

    def __bool__(self) -> bool:
        return bool(self.people or self.removed_people or self.created_people or self.faces)
