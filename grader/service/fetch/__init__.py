"""Download a student's repository as GitHub's tarball and extract it safely.

``download`` fetches the tarball of a commit: the API answers with a redirect
to another host (codeload), which is followed without the ``Authorization``
header, and the body is streamed to disk under a size cap. ``extract_tarball``
unpacks it into a fresh folder, one entry at a time, and refuses anything that
could write outside that folder, fill the disk or hold the worker's memory.

Errors come from the tree in ``grader.errors``: the
platform failing (a 5xx, a rate limit, a timeout) is a ``FetchError``, a
``PlatformError`` retried (after its ``retry_after`` when the server named one)
unless its ``permanent`` flag says a retry cannot help (a 404); an archive that
is too large or unsafe is an ``ArchiveError``, the student's ``InputError``. No message ever holds
the token or a URL's query string.

``download.py`` holds the download, ``extract.py`` the extraction and its decisions.
"""

from grader.service.fetch.download import MAX_REDIRECTS, download
from grader.service.fetch.extract import extract_tarball

__all__ = ["MAX_REDIRECTS", "download", "extract_tarball"]
