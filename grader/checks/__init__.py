"""The check kinds: each runs its tool in the workspace and scores its criterion.

Every check module holds its criterion model, keeps its I/O in one ``run_*``
function with the parsing and scoring as pure functions beside it (tested
against recorded tool output), and ends with its ``KIND``; ``registry`` lists
the kinds and derives the rubric's union, schema and docs table from them.
"""
