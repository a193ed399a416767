"""The moderators' web page at ``/moderate``: server-rendered Jinja templates and plain
forms over the review service (``service.review.queue``, ``service.review.workflow``,
``service.review.overrides``), signed in with a moderator or admin key, in English and Russian.

``sessions`` holds sign-in, the session cookie and CSRF; ``texts`` the page's catalogue;
``frame`` the blueprint and what every page shares; ``pages`` and ``actions`` the routes
(``views`` assembles them); ``notifier`` tells moderators in their chat.
"""
