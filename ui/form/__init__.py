"""The rubric form (answers for one evaluation) and the window that edits an evaluation."""
