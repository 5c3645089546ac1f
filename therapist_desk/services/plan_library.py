"""The plan library: starter items we wrote ourselves plus the clinician's own, searchable.

The starter items (depression, anxiety, trauma, grief, couples conflict, adjustment) ship in
``resources/plan_library/starter.json``; they are written for this app in plain clinical
language, not copied from published planners. The clinician's own items live in the vault
(``plan_library_items``). Every node comes out "blank": no keys, no dates, status not started,
so it can be inserted into any plan (save_plan gives it fresh stable keys).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from therapist_desk.domain.client import fold_name
from therapist_desk.domain.enums import ObjectiveStatus
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem
from therapist_desk.resources import resource_path
from therapist_desk.services.common import audit
from therapist_desk.store.repositories import plan_library as repo

PlanNode = Problem | Goal | Objective | PlanIntervention
STARTER_RESOURCE = ("plan_library", "starter.json")
MY_LIBRARY = "My library"


class NodeKind(StrEnum):
    PROBLEM = "problem"
    GOAL = "goal"
    OBJECTIVE = "objective"
    INTERVENTION = "intervention"


_KIND_OF: dict[type, NodeKind] = {
    Problem: NodeKind.PROBLEM, Goal: NodeKind.GOAL, Objective: NodeKind.OBJECTIVE,
    PlanIntervention: NodeKind.INTERVENTION,
}


def kind_of(node: PlanNode) -> NodeKind:
    return _KIND_OF[type(node)]


def children_of(node: PlanNode) -> tuple[PlanNode, ...]:
    if isinstance(node, Problem):
        return node.goals
    if isinstance(node, Goal):
        return node.objectives
    if isinstance(node, Objective):
        return node.interventions
    return ()


def blank(node: PlanNode) -> PlanNode:
    """The node and everything under it without keys, dates or progress: ready for any plan."""
    if isinstance(node, PlanIntervention):
        return replace(node, key="")
    if isinstance(node, Objective):
        return replace(node, key="", target_date=None, status=ObjectiveStatus.NOT_STARTED,
                       interventions=tuple(replace(i, key="") for i in node.interventions))
    if isinstance(node, Goal):
        return replace(node, key="", objectives=tuple(blank(o) for o in node.objectives))  # type: ignore[misc]
    return replace(node, key="", goals=tuple(blank(g) for g in node.goals))  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class LibraryNode:
    """One pickable item: ``node`` carries its whole subtree; ``children`` the same subtree as
    pickable items. ``item_id`` is the vault id of one of the clinician's own top-level items."""

    ref: str
    kind: NodeKind
    category: str
    node: PlanNode
    children: tuple[LibraryNode, ...] = ()
    item_id: int | None = None

    @property
    def text(self) -> str:
        return self.node.description

    @property
    def is_mine(self) -> bool:
        return self.ref.startswith("mine/")

    def walk(self) -> tuple[LibraryNode, ...]:
        return (self,) + tuple(n for c in self.children for n in c.walk())

    def search_text(self) -> str:
        parts = [self.category, self.kind.value, self.node.description]
        if isinstance(self.node, PlanIntervention):
            parts += [self.node.approach.value.replace("_", " "), self.node.frequency, self.node.responsible]
        if isinstance(self.node, Objective) and self.node.measure_target is not None:
            parts.append(self.node.measure_target.instrument.value)
        return fold_name(" ".join(parts))


@dataclass(frozen=True, slots=True)
class LibraryCategory:
    key: str
    name: str
    roots: tuple[LibraryNode, ...]

    def walk(self) -> tuple[LibraryNode, ...]:
        return tuple(n for r in self.roots for n in r.walk())


def _wrap(node: PlanNode, ref: str, category: str, item_id: int | None = None) -> LibraryNode:
    kids = tuple(_wrap(c, f"{ref}/{i}", category) for i, c in enumerate(children_of(node)))
    return LibraryNode(ref, kind_of(node), category, node, kids, item_id)


def parse_starter(document: dict[str, Any]) -> tuple[LibraryCategory, ...]:
    categories = []
    for cat in document["categories"]:
        problems = [blank(repo.problem_from_doc(p)) for p in cat["problems"]]
        roots = tuple(_wrap(p, f"starter/{cat['key']}/{i}", cat["name"]) for i, p in enumerate(problems))
        categories.append(LibraryCategory(cat["key"], cat["name"], roots))
    return tuple(categories)


@lru_cache(maxsize=1)
def starter_library() -> tuple[LibraryCategory, ...]:
    """The shipped starter items, read once per process."""
    path = resource_path(*STARTER_RESOURCE)
    return parse_starter(json.loads(path.read_text(encoding="utf-8")))


def my_library(session: Session) -> LibraryCategory:
    roots = tuple(_wrap(item.node, f"mine/{item.id}", item.category or MY_LIBRARY, item.id)
                  for item in repo.list_library_items(session))
    return LibraryCategory("mine", MY_LIBRARY, roots)


def load_library(session: Session) -> tuple[LibraryCategory, ...]:
    """Starter categories, then the clinician's own items (always present, maybe empty)."""
    return starter_library() + (my_library(session),)


def search_library(categories: tuple[LibraryCategory, ...], query: str) -> list[LibraryNode]:
    """Every item (at any depth) whose own words, category or kind contain all the query words.

    Accents and case are ignored; an empty query matches everything. Results keep tree order.
    """
    words = fold_name(query).split()
    found = []
    for category in categories:
        for node in category.walk():
            text = node.search_text()
            if all(w in text for w in words):
                found.append(node)
    return found


def top_level_picks(picked: list[LibraryNode]) -> list[LibraryNode]:
    """Drop picks already inside another pick (a problem picked with one of its objectives)."""
    refs = [p.ref for p in picked]
    return [p for p in picked if not any(p.ref.startswith(r + "/") for r in refs if r != p.ref)]


def save_to_library(session: Session, node: PlanNode, now: datetime, *, category: str = MY_LIBRARY) -> LibraryNode:
    """Keep a node from a plan (with everything under it) as one of the clinician's own items."""
    if not node.description.strip():
        from therapist_desk.domain.errors import ValidationError

        raise ValidationError("Library item", "needs a description")
    clean = blank(node)
    item_id = repo.add_library_item(session, clean, category.strip() or MY_LIBRARY, now)
    audit(session, now, "plan_library.add", "plan_library_item", item_id, detail=f"kind={kind_of(clean).value}")
    return _wrap(clean, f"mine/{item_id}", category.strip() or MY_LIBRARY, item_id)


def delete_from_library(session: Session, item_id: int, now: datetime) -> None:
    repo.delete_library_item(session, item_id)
    audit(session, now, "plan_library.delete", "plan_library_item", item_id)
