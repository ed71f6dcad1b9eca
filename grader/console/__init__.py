"""The instructor console: sign-in with GitHub, roles, pages and a JSON API over a course.

A layer between the entry points (``webhooks``) and the service: it reads the course
configuration and the stores, and ``webhooks.app`` mounts it. ``auth.py`` says who is asking
(``Viewer``, ``current_viewer``) and what they may see; ``security.py`` keeps the session
and its CSRF token; ``oauth.py`` is GitHub's web flow; ``api_auth.py`` the scripts' bearer
tokens; ``context.py`` what the routes talk to (``ConsoleContext``).
"""
