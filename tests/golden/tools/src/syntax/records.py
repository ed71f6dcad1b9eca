"""A module with a syntax error on line 3."""

def f(:
    return 1
