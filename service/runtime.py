"""The policy and model a worker decides with, and their live reload.

Each worker process holds its own :class:`Runtime`.  Before a request uses a site's policy
the runtime checks (at most every ``POLICY_RELOAD_SECONDS``) whether any file that policy
was built from has changed; if so it loads the new version and swaps it in with a single
assignment.  An edit that fails to load never replaces the last good policy: the problems
are logged and shown on ``/readyz``.  ``SIGHUP`` forces a check on the next request.

If no policy or no model could be loaded at all, the service still answers: it runs in a
fail-safe mode that holds every comment for review and reports itself not ready.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from policy_engine import Policy, PolicyError, load_policy

if TYPE_CHECKING:  # the classifier pulls in scikit-learn and SciPy: imported when loading
    from classifier import Model

log = logging.getLogger(__name__)
EXTENSION = "moderation.runtime"  # where the app keeps its Runtime (``app.extensions``)


@dataclass
class _SiteModel:
    checked: float
    signature: tuple
    model: Model | None  # None: the shipped (default) model
    error: str | None = None


@dataclass
class _Loaded:
    policy: Policy | None
    signature: tuple
    problems: list[str] = field(default_factory=list)


def _signature(paths: list[Path]) -> tuple:
    sig: list[tuple[str, int | None, int | None]] = []  # (path, mtime_ns, size); None: missing
    for path in paths:
        try:
            st = path.stat()
            sig.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            sig.append((str(path), None, None))
    return tuple(sig)


@lru_cache(maxsize=2)  # a model is tens of MB in memory: keep at most one besides the current
def _model_at(path: Path, signature: tuple) -> Model:
    """The model in ``path`` as of ``signature`` (its files' sizes and times), loaded once
    per process: apps created in one process (the tests, the CLI) share the copy, which no
    one changes, and an artifact replaced on disk has a new signature and is read again."""
    from classifier import load_model

    return load_model(path)


def _artifact_signature(path: Path) -> tuple:
    """Sizes and times of the artifact's files, and the hash of its manifest (which lists
    the hash of every file, so a new artifact has a new one even if sizes and times were
    copied over)."""
    try:
        manifest = hashlib.sha256((path / "manifest.json").read_bytes()).hexdigest()
        return (manifest, *_signature(sorted(path.iterdir())))
    except OSError:  # missing or not a directory: load_model says so
        return ()


class Runtime:
    """Loads and reloads site policies from a directory, and holds the classifier model."""

    def __init__(self, policy_dir: str, default_site: str, model_path: str,
                 reload_seconds: float, site_models_dir: str | None = None,
                 lazy: bool = False) -> None:
        self.policy_dir = Path(policy_dir)
        self.default_site = default_site
        self.model_path = Path(model_path)
        self.reload_seconds = reload_seconds
        self._policies: dict[str, _Loaded] = {}
        self._checked_at: dict[str, float] = {}
        self._names: dict[str, tuple[float, str]] = {}  # site -> (checked at, policy name)
        self._lock = threading.Lock()
        self._force = threading.Event()
        self.site_models_dir = Path(site_models_dir) if site_models_dir else None
        self._site_models: dict[str, _SiteModel] = {}
        self._model: Model | None = None
        self._model_error: str | None = None
        self._model_loaded = False
        if not lazy:  # a server loads it at start; a command line only when a command asks
            self.load_model()

    # -- model -------------------------------------------------------------------------------
    @property
    def model(self) -> Model | None:
        """The classifier, loaded on first use if the runtime was made ``lazy``."""
        if not self._model_loaded:
            self.load_model()
        return self._model

    @property
    def model_error(self) -> str | None:
        if not self._model_loaded:
            self.load_model()
        return self._model_error

    def load_model(self) -> None:
        from classifier import ModelError

        self._model_loaded = True
        try:
            path = self.model_path.resolve()
            self._model = _model_at(path, _artifact_signature(path))
            self._model_error = None
            log.debug("model loaded", extra={"model_version": self._model.version})
            if self._model.second_stage_error is not None:
                log.warning("the model's second stage is off; scoring with the fast model "
                            "alone: %s", self._model.second_stage_error)
        except (ModelError, OSError) as exc:
            self._model = None
            self._model_error = str(exc)
            log.error("model unavailable; holding every comment for review: %s", exc)

    def model_for(self, site: str) -> Model | None:
        """The model a site's comments are scored with: its own promoted one
        (``service/site_models.py``), checked for a promotion or rollback at most every
        ``reload_seconds``, else the shipped one.  A site model that fails to load is
        logged and the shipped model serves the site meanwhile."""
        if self.site_models_dir is None or not site:
            return self.model
        now = time.monotonic()
        known = self._site_models.get(site)
        if known is None or self._force.is_set() or now - known.checked >= self.reload_seconds:
            with self._lock:
                known = self._refresh_site_model(site, now, known)
        return known.model or self.model

    def _refresh_site_model(self, site: str, now: float,
                            known: _SiteModel | None) -> _SiteModel:
        from classifier import ModelError, load_model
        from service.site_models import PromotionError, SiteModels

        assert self.site_models_dir is not None
        try:
            path = SiteModels(self.site_models_dir).current_path(site)
        except (PromotionError, OSError, ValueError) as exc:  # a bad current.json
            path, error = None, f"{site}: cannot read its model state: {exc}"
            log.error("site model unavailable, using the shipped model: %s", error)
            entry = _SiteModel(now, (), None, error)
            self._site_models[site] = entry
            return entry
        signature = (str(path), *_artifact_signature(path)) if path is not None else ()
        if known is not None and known.signature == signature:
            entry = _SiteModel(now, signature, known.model, known.error)
        elif path is None:
            entry = _SiteModel(now, signature, None)
        else:
            try:
                model = load_model(path)
                entry = _SiteModel(now, signature, model)
                log.info("site model loaded", extra={"site": site,
                                                     "model_version": model.version})
            except (ModelError, OSError) as exc:
                entry = _SiteModel(now, signature, None, str(exc))
                log.error("site model unavailable, using the shipped model for %s: %s",
                          site, exc)
        self._site_models[site] = entry
        return entry

    def site_model_problems(self) -> dict[str, str]:
        """Sites whose own model could not be loaded (they are scored by the shipped one)."""
        return {site: m.error for site, m in self._site_models.items() if m.error}

    # -- policies ----------------------------------------------------------------------------
    def policy_name(self, site: str) -> str:
        """The policy file a site uses: ``<site>.yaml`` if there is one, else the default.

        Looked up on disk at most every ``reload_seconds`` per site (like the reload check),
        not on every request: a new site file is picked up as fast as an edit is.
        """
        now = time.monotonic()
        known = self._names.get(site)
        fresh = known is not None and now - known[0] < self.reload_seconds
        if known is not None and fresh and not self._force.is_set():
            return known[1]
        has_own = bool(site) and (self.policy_dir / f"{site}.yaml").is_file()
        name = site if has_own else self.default_site
        if len(self._names) > 10_000:  # sites are few; never let odd names grow it unbounded
            self._names.clear()
        self._names[site] = (now, name)
        return name

    def policy_for(self, site: str) -> Policy | None:
        """The current good policy for ``site``, reloading it first if its files changed."""
        name = self.policy_name(site)
        now = time.monotonic()
        forced = self._force.is_set()
        if forced or name not in self._policies or (
            now - self._checked_at.get(name, 0.0) >= self.reload_seconds
        ):
            with self._lock:
                if forced:
                    self._force.clear()
                self._checked_at[name] = now
                self._refresh(name)
        return self._policies[name].policy

    def problems(self) -> dict[str, list[str]]:
        """Load problems of each policy whose latest edit was refused."""
        return {name: loaded.problems for name, loaded in self._policies.items()
                if loaded.problems}

    def request_reload(self) -> None:
        self._force.set()

    def _watched(self, name: str) -> list[Path]:
        loaded = self._policies.get(name)
        paths = [self.policy_dir / f"{name}.yaml"]
        if loaded is not None and loaded.policy is not None:
            paths.extend(Path(p) for p in loaded.policy.sources)
        return sorted(set(paths))

    def _refresh(self, name: str) -> None:
        previous = self._policies.get(name)
        signature = _signature(self._watched(name))
        if previous is not None and previous.signature == signature:
            return
        try:
            policy = load_policy(self.policy_dir, site=name)
        except PolicyError as exc:
            problems = [str(p) for p in exc.problems] or [str(exc)]
            for problem in problems:
                log.error("policy %s not loaded: %s", name, problem)
            kept = previous.policy if previous is not None else None
            self._policies[name] = _Loaded(kept, signature, problems)
            return
        except OSError as exc:
            kept = previous.policy if previous is not None else None
            self._policies[name] = _Loaded(kept, signature, [f"{name}: {exc}"])
            log.error("policy %s not loaded: %s", name, exc)
            return
        # Sign with the files the new policy actually read, so list edits are noticed too.
        self._policies[name] = _Loaded(policy, _signature(
            sorted({self.policy_dir / f"{name}.yaml", *map(Path, policy.sources)})))
        if previous is None or previous.policy is None:  # at start: /readyz says which
            log.debug("policy loaded", extra={"policy": name, "policy_version": policy.version})
        elif previous.policy.version != policy.version:  # a live edit: worth a line
            log.info("policy loaded", extra={"policy": name, "policy_version": policy.version})
        if previous is None or previous.policy is None or (
            previous.policy.version != policy.version
        ):
            for warning in policy.warnings:
                log.warning("policy %s: %s", name, warning)

    def install_signal_handler(self) -> None:
        """Reload policies on SIGHUP (only in the main thread of a worker)."""
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            signal.signal(signal.SIGHUP, lambda *_: self.request_reload())
        except (ValueError, AttributeError, OSError):
            log.debug("no SIGHUP handler installed in pid %s", os.getpid())


def install(app: Flask, runtime: Runtime) -> None:
    """Make ``runtime`` the one this app decides with (:func:`current_runtime`)."""
    app.extensions[EXTENSION] = runtime


def current_runtime() -> Runtime:
    """The runtime of the app handling the current request or command."""
    runtime = current_app.extensions[EXTENSION]
    assert isinstance(runtime, Runtime)
    return runtime


def runtime_of(app: Flask) -> Runtime:
    """The runtime an app decides with, outside its context (tests, the CLI's subprocess)."""
    runtime = app.extensions[EXTENSION]
    assert isinstance(runtime, Runtime)
    return runtime
