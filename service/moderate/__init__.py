"""The moderators' web page at ``/moderate``: server-rendered Jinja templates and plain
forms over the review service (``service.queue``, ``service.workflow``,
``service.overrides``), signed in with a moderator or admin key, in English and Russian.

``sessions`` holds sign-in, the session cookie and CSRF; ``texts`` the page's catalogue;
``views`` the blueprint.
"""
