"""What an instructor writes: the rubric's models (``model``), loading them from YAML with errors at file:line (``loader``), and a rubric folder's score bands (``bands``)."""
