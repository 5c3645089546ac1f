"""Pick problems, goals, objectives or interventions from the plan library into the plan.

Browse by presentation, or type to search (all words must match; accents and case ignored).
A match is shown with what sits under it and the path above it, so an objective is never
picked out of context. A problem comes with its goals, objectives and interventions.

objectNames: planLibraryDialog, planLibrarySearch, planLibraryTree, planLibraryPreview,
planLibraryAddButton, planLibraryDeleteButton, planLibraryMessage, planLibraryCloseButton.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.domain.plan import Objective, PlanIntervention
from therapist_desk.services.plan_library import (
    LibraryCategory,
    LibraryNode,
    NodeKind,
    PlanNode,
    delete_from_library,
    load_library,
    save_to_library,
    search_library,
    top_level_picks,
)
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.plan_node_form import APPROACH_LABELS
from therapist_desk.ui.plan_tree_editor import PlanTreeEditor
from therapist_desk.ui.widgets import hint_label

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_LABELS = {NodeKind.PROBLEM: "Problem", NodeKind.GOAL: "Goal", NodeKind.OBJECTIVE: "Objective",
               NodeKind.INTERVENTION: "Intervention"}


def describe(node: LibraryNode) -> str:
    """The item and everything under it as nested HTML lists (text escaped), for the preview."""
    value = node.node
    extra = ""
    if isinstance(value, Objective) and value.measure_target:
        extra = f"{INSTRUMENTS[value.measure_target.instrument].name} below {value.measure_target.below}"
    if isinstance(value, PlanIntervention):
        extra = " · ".join(p for p in (APPROACH_LABELS[value.approach], value.frequency, value.responsible) if p)
    note = f" <span style='color:gray'>({html.escape(extra)})</span>" if extra else ""
    kids = "".join(describe(c) for c in node.children)
    return (f"<li><b>{KIND_LABELS[node.kind]}:</b> {html.escape(value.description)}{note}"
            + (f"<ul>{kids}</ul>" if kids else "") + "</li>")


class PlanLibraryDialog(QDialog):
    """``insert(picks) -> message`` puts picks into the plan; ``delete(item_id) -> categories``
    removes one of the clinician's own items and returns the reloaded library."""

    def __init__(self, categories: tuple[LibraryCategory, ...], insert: Callable[[list[LibraryNode]], str],
                 delete: Callable[[int], tuple[LibraryCategory, ...]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planLibraryDialog")
        self.setWindowTitle(self.tr("Plan library"))
        self._insert = insert
        self._delete = delete
        self.categories = categories
        self.search = QLineEdit(self)
        self.search.setObjectName("planLibrarySearch")
        self.search.setAccessibleName(self.tr("Search the library"))
        self.search.setPlaceholderText(self.tr("Search, for example: sleep, exposure, PHQ-9, grief"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.on_search_text_changed)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("planLibraryTree")
        self.tree.setAccessibleName(self.tr("Library items"))
        self.tree.setHeaderLabels([self.tr("Item"), self.tr("Kind")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setWordWrap(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self.on_tree_item_selection_changed)
        self.tree.itemDoubleClicked.connect(self.on_tree_item_double_clicked)
        self.preview = QTextBrowser(self)
        self.preview.setObjectName("planLibraryPreview")
        self.preview.setAccessibleName(self.tr("What will be added"))
        self.message = hint_label("")
        self.message.setObjectName("planLibraryMessage")
        self.add_button = self._button("planLibraryAddButton", self.tr("&Add to plan"), self.on_add_button_clicked)
        self.add_button.setDefault(True)
        self.delete_button = self._button("planLibraryDeleteButton", self.tr("&Delete from my library"),
                                          self.on_delete_button_clicked)
        close = self._button("planLibraryCloseButton", self.tr("Close"), self.accept)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(self.tr(
            "Starter items written for Therapist Desk, and your own. Pick a whole problem, or single "
            "goals, objectives or interventions: goals go under the problem selected in the plan, "
            "objectives under the selected goal, interventions under the selected objective. "
            "Adapt every item to the client.")))
        layout.addWidget(self.search)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(900, 600)
        self._fill()

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # --- filling and filtering ------------------------------------------------------------

    def _fill(self) -> None:
        self.tree.clear()
        for category in self.categories:
            top = QTreeWidgetItem([category.name, ""])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            if not category.roots:
                empty = QTreeWidgetItem([self.tr("Nothing here yet: use \"Save to my library\" in the plan."), ""])
                empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
                top.addChild(empty)
            for root in category.roots:
                self._add(top, root)
        self.on_search_text_changed(self.search.text())
        self.on_tree_item_selection_changed()

    def _add(self, parent: QTreeWidgetItem, node: LibraryNode) -> None:
        item = QTreeWidgetItem([node.text, self.tr(KIND_LABELS[node.kind])])
        item.setData(0, NODE_ROLE, node)
        item.setToolTip(0, node.text)
        parent.addChild(item)
        for child in node.children:
            self._add(item, child)

    def items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []

        def walk(item: QTreeWidgetItem) -> None:
            found.append(item)
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return found

    def item_for(self, ref: str) -> QTreeWidgetItem | None:
        return next((i for i in self.items() if (n := i.data(0, NODE_ROLE)) is not None and n.ref == ref), None)

    @Slot(str)
    def on_search_text_changed(self, text: str) -> None:
        query = text.strip()
        matched = {n.ref for n in search_library(self.categories, query)}

        def show(item: QTreeWidgetItem, ancestor_matched: bool) -> bool:
            node = item.data(0, NODE_ROLE)
            hit = node is not None and node.ref in matched
            visible_child = False
            for i in range(item.childCount()):
                visible_child |= show(item.child(i), ancestor_matched or hit)
            visible = hit or visible_child or (ancestor_matched and node is not None) or (not query and node is None)
            item.setHidden(not visible)
            return visible

        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            show(top, False)
            self.tree.expandItem(top)  # browsing shows each presentation's problems
            if query:
                self._expand_hits(top, matched)
            else:
                for j in range(top.childCount()):
                    top.child(j).setExpanded(False)
        self.message.setText(self.tr("No items match.") if query and not matched else "")

    def _expand_hits(self, item: QTreeWidgetItem, matched: set[str]) -> None:
        for i in range(item.childCount()):
            child = item.child(i)
            if not child.isHidden():
                node = child.data(0, NODE_ROLE)
                child.setExpanded(node is None or node.ref not in matched)
                self._expand_hits(child, matched)

    # --- picking --------------------------------------------------------------------------

    def picks(self) -> list[LibraryNode]:
        nodes = [i.data(0, NODE_ROLE) for i in self.items() if i.isSelected() and not i.isHidden()]
        return top_level_picks([n for n in nodes if n is not None])

    @Slot()
    def on_tree_item_selection_changed(self) -> None:
        picks = self.picks()
        if picks:
            self.preview.setHtml("<ul style='margin-left:-20px'>" + "".join(describe(p) for p in picks) + "</ul>")
        else:
            self.preview.setPlainText(self.tr("Select one or more items; what will be added shows here."))
        self.add_button.setEnabled(bool(picks))
        self.delete_button.setEnabled(len(picks) == 1 and picks[0].item_id is not None)

    @Slot(QTreeWidgetItem, int)
    def on_tree_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if item.data(0, NODE_ROLE) is not None:
            self.on_add_button_clicked()

    @Slot()
    def on_add_button_clicked(self) -> None:
        picks = self.picks()
        if picks:
            self.message.setText(self._insert(picks))

    @Slot()
    def on_delete_button_clicked(self) -> None:
        picks = self.picks()
        if len(picks) != 1 or picks[0].item_id is None:
            return
        self.categories = self._delete(picks[0].item_id)
        self._fill()
        self.message.setText(self.tr("Deleted from your library."))


def open_library(ctx: AppContext, editor: PlanTreeEditor, parent: QWidget) -> PlanLibraryDialog:
    """Open the library (not blocking) wired to put picks into ``editor``."""
    with ctx.reader() as session:
        library = load_library(session)

    def insert(picks: list[LibraryNode]) -> str:
        added, problem = editor.insert_nodes([p.node for p in picks])
        done = parent.tr("Added {0} item(s) to the plan.").format(added) if added else ""
        return " ".join(t for t in (done, problem) if t)

    def delete(item_id: int) -> tuple[LibraryCategory, ...]:
        with ctx.unit_of_work() as session:
            delete_from_library(session, item_id, ctx.now())
            return load_library(session)

    dialog = PlanLibraryDialog(library, insert, delete, parent)
    dialog.open()
    return dialog


def save_node_to_library(ctx: AppContext, node: PlanNode) -> str:
    """Keep a node of the plan (with what is under it) in the clinician's library; says so."""
    with ctx.unit_of_work() as session:
        save_to_library(session, node, ctx.now())
    return QCoreApplication.translate("PlanLibraryDialog", "Saved to your library: {0}").format(
        node.description.strip().splitlines()[0])

