"""What grading produces: the versioned report (``model``, ``grader.report/v1``), its text, Markdown and JSON renderings (``render``), and the words both use for numbers (``wording``)."""
