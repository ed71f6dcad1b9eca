# The fixtures under src/ are inputs for record.sh, not tests of this project:
# they contain deliberately failing tests, a collection error and an endless
# loop. Keep the project's own pytest run from collecting them.
collect_ignore = ["src"]
