"""The moderators' page at ``/moderate``: the blueprint with every route registered.

``frame`` holds the blueprint and what every page shares, ``pages`` the pages (sign-in, the
queue, one comment), ``actions`` the forms that act on comments.
"""

from service.review.moderate import actions, pages  # noqa: F401 - they register their routes
from service.review.moderate.frame import blp

__all__ = ["blp"]
