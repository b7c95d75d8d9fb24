"""What is still unanswered before an evaluation can move on, in plain words."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

from shopper.rubric import Rubric

SHOWN = 12


def describe_missing(rubric: Rubric, missing: list[str]) -> str:
    """An HTML list of the missing items (section, number and prompt), the first SHOWN."""
    numbers: dict[str, str] = {}
    for s_index, section in enumerate(rubric.sections, start=1):
        for i_index, item in enumerate(section.items, start=1):
            numbers[f"{section.key}.{item.key}"] = f"{s_index}.{i_index}"
    lines = []
    for path in missing[:SHOWN]:
        found = rubric.find(path)
        if found is None:
            lines.append(html.escape(path))
            continue
        section, item = found
        lines.append(
            f"<b>{numbers[path]}</b> {html.escape(section.title)}: {html.escape(item.prompt)}"
        )
    more = len(missing) - SHOWN
    tail = f"<p>…and {more} more.</p>" if more > 0 else ""
    return "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>" + tail


def ask_about_missing(
    parent: QWidget | None, rubric: Rubric, missing: list[str], goal: str, can_wait: bool
) -> str:
    """Show what is missing; returns "go" (jump to the first gap) or "wait" (await follow-up)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Some items still need an answer")
    count = f"{len(missing)} item{'s' if len(missing) != 1 else ''}"
    box.setText(f"{count} must be answered before this evaluation can be {goal}:")
    box.setInformativeText(describe_missing(rubric, missing))
    go = box.addButton("Go to the first one", QMessageBox.ButtonRole.AcceptRole)
    wait = None
    if can_wait:
        wait = box.addButton("Wait for the follow-up", QMessageBox.ButtonRole.ActionRole)
        wait.setToolTip("Only follow-up items are left: mark it awaiting follow-up")
    box.setDefaultButton(go)
    box.exec()
    return "wait" if wait is not None and box.clickedButton() is wait else "go"
