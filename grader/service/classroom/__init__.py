"""The instructor console's domain: pure logic over the course store's records.

``roster`` reads roster CSVs; ``policy`` decides which submission counts and each student's
own due date (extensions, late days); ``gradebook`` builds the course's grid of cells;
``insights`` summarises an assignment's reports; ``exports`` writes the gradebook CSV,
Canvas's import CSV and Gradescope's ``results.json``. Nothing here opens a database or a
socket: the caller passes the ``CourseStore`` or the records.
"""
