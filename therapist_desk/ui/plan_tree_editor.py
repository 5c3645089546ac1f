"""The plan tree: problems -> goals -> objectives -> interventions in a QTreeView over a small model.

objectNames: planTreeEditor, planTree, planAddProblemButton, planAddGoalButton,
planAddObjectiveButton, planAddInterventionButton, planRemoveButton, planMoveUpButton,
planMoveDownButton, planSaveToLibraryButton, planTreeMessage.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem
from therapist_desk.services.plan_library import NodeKind, PlanNode, children_of, kind_of
from therapist_desk.services.plan_progress import STATUS_WORDS
from therapist_desk.ui.plan_node_form import APPROACH_LABELS
from therapist_desk.ui.widgets import hint_label

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class _Node:
    """A mutable tree node; ``value`` is the domain object whose own children are ignored."""

    __slots__ = ("children", "kind", "parent", "value")

    def __init__(self, value: PlanNode, parent: _Node | None) -> None:
        self.kind = kind_of(value)
        self.value = value
        self.parent = parent
        self.children = [_Node(c, self) for c in children_of(value)]

    def row(self) -> int:
        siblings = self.parent.children if self.parent else []
        return siblings.index(self) if self.parent else 0

    def to_domain(self) -> PlanNode:
        kids = tuple(c.to_domain() for c in self.children)
        if isinstance(self.value, Problem):
            return replace(self.value, goals=kids)  # type: ignore[arg-type]
        if isinstance(self.value, Goal):
            return replace(self.value, objectives=kids)  # type: ignore[arg-type]
        if isinstance(self.value, Objective):
            return replace(self.value, interventions=kids)  # type: ignore[arg-type]
        return self.value

    def walk(self) -> list[_Node]:
        return [self] + [n for c in self.children for n in c.walk()]


class PlanTreeModel(QAbstractItemModel):
    """Two columns: the numbered item and its details (status, date, target; approach, how often)."""

    COL_ITEM, COL_DETAILS = 0, 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(Problem("root"), None)
        self._root.children = []
        self._headers = (self.tr("Plan"), self.tr("Details"))

    # --- reading ----------------------------------------------------------------------------

    def node(self, index: _Index) -> _Node:
        return index.internalPointer() if index.isValid() else self._root  # type: ignore[return-value]

    def index_of(self, node: _Node) -> QModelIndex:
        return QModelIndex() if node is self._root else self.createIndex(node.row(), 0, node)

    def problems(self) -> tuple[Problem, ...]:
        return tuple(c.to_domain() for c in self._root.children)  # type: ignore[misc]

    def all_nodes(self) -> list[_Node]:
        return [n for c in self._root.children for n in c.walk()]

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        owner = self.node(parent)
        if 0 <= row < len(owner.children) and 0 <= column < 2:
            return self.createIndex(row, column, owner.children[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        owner = self.node(index).parent
        return QModelIndex() if owner is None or owner is self._root else self.createIndex(owner.row(), 0, owner)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def number(self, node: _Node) -> str:
        parts = []
        while node.parent is not None:
            parts.append(str(node.row() + 1))
            node = node.parent
        return ".".join(reversed(parts))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node = self.node(index)
        if role == NODE_ROLE:
            return node
        description = node.value.description.strip()
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == self.COL_DETAILS:
                return self._details(node)
            label = {NodeKind.PROBLEM: self.tr("Problem"), NodeKind.GOAL: self.tr("Goal"),
                     NodeKind.OBJECTIVE: self.tr("Objective"), NodeKind.INTERVENTION: self.tr("Intervention")}[node.kind]
            shown = description.splitlines()[0] if description else self.tr("(no description yet)")
            if node.kind is NodeKind.INTERVENTION:  # four-part numbers only add noise
                return f"{label}: {shown}"
            return f"{label} {self.number(node)}: {shown}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return description or None
        if role == Qt.ItemDataRole.ForegroundRole and not description and index.column() == 0:
            return QPalette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _details(self, node: _Node) -> str:
        value = node.value
        if isinstance(value, Objective):
            parts = [self.tr(STATUS_WORDS[value.status])]
            if value.target_date:
                parts.append(self.tr("by {0}").format(value.target_date.isoformat()))
            if value.measure_target:
                parts.append(self.tr("{0} below {1}").format(INSTRUMENTS[value.measure_target.instrument].name,
                                                              value.measure_target.below))
            return " · ".join(parts)
        if isinstance(value, PlanIntervention):
            parts = [APPROACH_LABELS[value.approach], value.frequency, value.responsible]
            return " · ".join(p for p in parts if p)
        return ""

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    # --- writing ----------------------------------------------------------------------------

    def set_problems(self, problems: tuple[Problem, ...]) -> None:
        self.beginResetModel()
        self._root.children = [_Node(p, self._root) for p in problems]
        self.endResetModel()

    def insert(self, parent: _Index, row: int, value: PlanNode) -> QModelIndex:
        owner = self.node(parent)
        self.beginInsertRows(self.index_of(owner), row, row)
        owner.children.insert(row, _Node(value, owner))
        self.endInsertRows()
        return self.index(row, 0, self.index_of(owner))

    def remove(self, index: _Index) -> None:
        node = self.node(index)
        assert node.parent is not None
        self.beginRemoveRows(self.index_of(node.parent), node.row(), node.row())
        node.parent.children.remove(node)
        self.endRemoveRows()
        self._renumbered(node.parent)

    def move(self, index: _Index, delta: int) -> bool:
        node = self.node(index)
        assert node.parent is not None
        row, siblings = node.row(), node.parent.children
        target = row + delta
        if not 0 <= target < len(siblings):
            return False
        parent_index = self.index_of(node.parent)
        # beginMoveRows wants the destination row as it is before the move.
        self.beginMoveRows(parent_index, row, row, parent_index, target + 1 if delta > 0 else target)
        siblings.insert(target, siblings.pop(row))
        self.endMoveRows()
        self._renumbered(node.parent)
        return True

    def update_value(self, index: _Index, value: PlanNode) -> None:
        node = self.node(index)
        node.value = value
        self.dataChanged.emit(self.index_of(node), self.createIndex(node.row(), 1, node))

    def _renumbered(self, owner: _Node) -> None:
        """Numbers of the siblings and everything under them change after a move or removal."""
        for child in owner.children:
            for node in child.walk():
                self.dataChanged.emit(self.index_of(node), self.createIndex(node.row(), 1, node),
                                      [Qt.ItemDataRole.DisplayRole])


class PlanTreeEditor(QWidget):
    """The tree with add / remove / reorder buttons. Emits ``changed`` after every edit and
    ``current_node_changed(node or None)`` when the selection moves."""

    changed = Signal()
    current_node_changed = Signal(object)
    save_to_library_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planTreeEditor")
        self.model = PlanTreeModel(self)
        self.default_target_date: date | None = None
        self.linked_keys: set[str] = set()
        self._read_only = False
        self.tree = QTreeView(self)
        self.tree.setObjectName("planTree")
        self.tree.setAccessibleName(self.tr("Treatment plan tree"))
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().currentChanged.connect(self.on_tree_current_changed)
        self.buttons: dict[str, QPushButton] = {}
        self.top = top = QHBoxLayout()
        for name, text, slot in (
            ("planAddProblemButton", self.tr("Add &problem"), self.on_add_problem_clicked),
            ("planAddGoalButton", self.tr("Add &goal"), self.on_add_goal_clicked),
            ("planAddObjectiveButton", self.tr("Add &objective"), self.on_add_objective_clicked),
            ("planAddInterventionButton", self.tr("Add &intervention"), self.on_add_intervention_clicked),
        ):
            top.addWidget(self._button(name, text, slot))
        top.addStretch(1)
        self.bottom = QHBoxLayout()
        for name, text, slot, tip in (
            ("planMoveUpButton", self.tr("Move up"), self.on_move_up_clicked, "Ctrl+Up"),
            ("planMoveDownButton", self.tr("Move down"), self.on_move_down_clicked, "Ctrl+Down"),
            ("planRemoveButton", self.tr("Remove"), self.on_remove_clicked, "Delete"),
        ):
            self.bottom.addWidget(self._button(name, text, slot, tip))
        self.bottom.addStretch(1)
        self.bottom.addWidget(self._button("planSaveToLibraryButton", self.tr("Save to my library"),
                                           self.on_save_to_library_clicked))
        for key, slot in (("Ctrl+Up", self.on_move_up_clicked), ("Ctrl+Down", self.on_move_down_clicked),
                          ("Delete", self.on_remove_clicked)):
            action = QAction(self.tree)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.tree.addAction(action)
        self.message = hint_label("")
        self.message.setObjectName("planTreeMessage")
        self.message.setAccessibleName(self.tr("Plan tree message"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(self.bottom)
        layout.addWidget(self.message)
        self._update_buttons()

    def _button(self, name: str, text: str, slot: object, shortcut: str = "") -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        if shortcut:
            button.setToolTip(f"{text} ({shortcut})")
        button.clicked.connect(slot)
        self.buttons[name] = button
        return button

    # --- state ------------------------------------------------------------------------------

    def set_problems(self, problems: tuple[Problem, ...]) -> None:
        self.model.set_problems(problems)
        self.tree.expandAll()
        self.message.clear()
        first = self.model.index(0, 0)
        self.tree.setCurrentIndex(first)
        self.on_tree_current_changed(first, QModelIndex())

    def problems(self) -> tuple[Problem, ...]:
        return self.model.problems()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self._update_buttons()

    def current_node(self) -> _Node | None:
        index = self.tree.currentIndex()
        return self.model.node(index) if index.isValid() else None

    def update_current(self, value: PlanNode) -> None:
        index = self.tree.currentIndex()
        if index.isValid() and not self._read_only:
            self.model.update_value(index.siblingAtColumn(0), value)
            self._update_buttons()
            self.changed.emit()

    def select_path(self, rows: list[int]) -> None:
        """Select the node at these rows (problem, goal, ...), or as deep as still exists."""
        index = QModelIndex()
        for row in rows:
            child = self.model.index(row, 0, index)
            if not child.isValid():
                break
            index = child
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    def select(self, node: _Node) -> None:
        index = self.model.index_of(node)
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)

    # --- inserting ----------------------------------------------------------------------------

    def _target(self, kind: NodeKind) -> _Node | None:
        """Where a new node of ``kind`` goes: the selection or its ancestor of the parent kind,
        else the last such node under the selection, else the only one in the plan."""
        parent_kind = {NodeKind.GOAL: NodeKind.PROBLEM, NodeKind.OBJECTIVE: NodeKind.GOAL,
                       NodeKind.INTERVENTION: NodeKind.OBJECTIVE}.get(kind)
        if parent_kind is None:
            return self.model.node(QModelIndex())
        selected = walker = self.current_node()
        while walker is not None and walker.parent is not None:  # the invisible root has no parent
            if walker.kind is parent_kind:
                return walker
            walker = walker.parent
        below = [n for n in selected.walk() if n.kind is parent_kind] if selected else []
        if below:
            return below[-1]
        candidates = [n for n in self.model.all_nodes() if n.kind is parent_kind]
        return candidates[0] if len(candidates) == 1 else None

    def _with_dates(self, value: PlanNode) -> PlanNode:
        if isinstance(value, Objective) and value.target_date is None:
            return replace(value, target_date=self.default_target_date)
        kids = tuple(self._with_dates(c) for c in children_of(value))
        if isinstance(value, Problem):
            return replace(value, goals=kids)  # type: ignore[arg-type]
        if isinstance(value, Goal):
            return replace(value, objectives=kids)  # type: ignore[arg-type]
        return value

    def insert_nodes(self, values: list[PlanNode]) -> tuple[int, str]:
        """Add each value where it fits; returns (how many were added, a message for the rest)."""
        if self._read_only:
            return 0, self.tr("This version is read-only.")
        added, missing = 0, []
        last: _Node | None = None
        for value in values:
            kind = kind_of(value)
            owner = self._target(kind)
            if owner is None:
                missing.append(kind)
                continue
            index = self.model.insert(self.model.index_of(owner), len(owner.children), self._with_dates(value))
            last = self.model.node(index)
            added += 1
        if last is not None:
            self.tree.expandAll()
            self.select(last)
            self.changed.emit()
        where = {NodeKind.GOAL: self.tr("a problem"), NodeKind.OBJECTIVE: self.tr("a goal"),
                 NodeKind.INTERVENTION: self.tr("an objective")}
        text = ""
        if missing:
            text = self.tr("Select {0} in the plan first, then add again.").format(where[missing[0]])
        self.message.setText(text)
        return added, text

    def _add_blank(self, kind: NodeKind) -> None:
        blank = {NodeKind.PROBLEM: Problem(""), NodeKind.GOAL: Goal(""), NodeKind.OBJECTIVE: Objective(""),
                 NodeKind.INTERVENTION: PlanIntervention("")}[kind]
        self.insert_nodes([blank])

    @Slot()
    def on_add_problem_clicked(self) -> None:
        self._add_blank(NodeKind.PROBLEM)

    @Slot()
    def on_add_goal_clicked(self) -> None:
        self._add_blank(NodeKind.GOAL)

    @Slot()
    def on_add_objective_clicked(self) -> None:
        self._add_blank(NodeKind.OBJECTIVE)

    @Slot()
    def on_add_intervention_clicked(self) -> None:
        self._add_blank(NodeKind.INTERVENTION)

    # --- removing and reordering ------------------------------------------------------------------

    @Slot()
    def on_remove_clicked(self) -> None:
        node = self.current_node()
        if node is None or self._read_only:
            return
        linked = [n for n in node.walk() if isinstance(n.value, Objective) and n.value.key in self.linked_keys]
        if linked:
            self.message.setText(self.tr(
                "Session notes are linked to this objective. Set its status to Discontinued instead of "
                "removing it, so the notes keep their link."))
            return
        parent = node.parent
        row = node.row()
        self.model.remove(self.model.index_of(node))
        self.message.clear()
        siblings = parent.children if parent else []
        if siblings:
            self.select(siblings[min(row, len(siblings) - 1)])
        elif parent is not None and parent.parent is not None:
            self.select(parent)
        else:
            self.on_tree_current_changed(QModelIndex(), QModelIndex())
        self.changed.emit()

    def _move(self, delta: int) -> None:
        node = self.current_node()
        if node is None or self._read_only:
            return
        if self.model.move(self.model.index_of(node), delta):
            self.select(node)
            self.changed.emit()

    @Slot()
    def on_move_up_clicked(self) -> None:
        self._move(-1)

    @Slot()
    def on_move_down_clicked(self) -> None:
        self._move(1)

    @Slot()
    def on_save_to_library_clicked(self) -> None:
        node = self.current_node()
        if node is not None:
            self.save_to_library_requested.emit(node.to_domain())

    # --- selection --------------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def on_tree_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._update_buttons()
        self.current_node_changed.emit(self.model.node(current) if current.isValid() else None)

    def _update_buttons(self) -> None:
        node = self.current_node()
        editable = not self._read_only
        for name in ("planAddProblemButton", "planAddGoalButton", "planAddObjectiveButton",
                     "planAddInterventionButton"):
            self.buttons[name].setEnabled(editable)
        for name in ("planRemoveButton", "planMoveUpButton", "planMoveDownButton"):
            self.buttons[name].setEnabled(editable and node is not None)
        self.buttons["planSaveToLibraryButton"].setEnabled(node is not None and bool(node.value.description.strip()))
