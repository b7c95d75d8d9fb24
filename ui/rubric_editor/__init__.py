"""The rubric editor: sections and items as a tree, every field of the rubric file format,
inline problems, undo/redo, preview and versioned saving (see shopper.rubric_edit)."""

from ui.rubric_editor.editor import RubricEditor

__all__ = ["RubricEditor"]
