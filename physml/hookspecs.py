"""Hook specifications: the contract between physml and its plugins.

A plugin is a module (or any object) with functions marked ``@physml.hookimpl`` whose names are
the hooks below. physml finds plugins through the entry-point group ``physml``::

    [project.entry-points.physml]
    my_theme = "my_package.my_theme"

The built-in plugins register in exactly this way. Every hook name starts with ``physml_``.

Compatibility rules (as in pluggy): a hook may gain arguments in a later release, and an
implementation only declares the arguments it uses, so adding an argument never breaks a plugin.
Arguments are never removed. Hooks are collectors: physml calls every implementation and merges
the results; one plugin's failure is recorded against it and never takes the others down.

Plugin modules should import numpy, scipy and hypothesis inside functions rather than at module
level, so that ``physml list`` and ``physml show`` stay instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from physml.model import Correspondence

__all__ = ["hookimpl", "hookspec"]

#: Marks a hook specification (used here only).
hookspec = pluggy.HookspecMarker("physml")
#: Marks a plugin's implementation of a hook; re-exported as ``physml.hookimpl``.
hookimpl = pluggy.HookimplMarker("physml")


@hookspec
def physml_correspondences() -> Iterable[Correspondence]:
    """Return the correspondences this plugin implements.

    :return: an iterable of :class:`physml.Correspondence` objects. Each ``id`` must be unique
        across all plugins (two plugins claiming one id is an error naming both) and must have a
        catalog entry ``<id>.yaml`` in a folder returned by :func:`physml_catalog_dirs` of some
        plugin. Objects that are not correspondences are reported as this plugin's error.

    Called once per registry load. Keep it cheap: build the objects, compute nothing.

    .. versionadded:: 0.1
    """


@hookspec
def physml_catalog_dirs() -> Iterable[str | PathLike[str] | Traversable]:
    """Return folders that hold this plugin's catalog files.

    :return: an iterable of folders (paths, or ``importlib.resources`` traversables so that the
        catalog ships inside the plugin's package). Each folder holds one ``<id>.yaml`` per
        correspondence and optionally ``concepts.yaml``, which adds concepts to the shared
        vocabulary. The schema is documented in CONTRIBUTING.md; ``physml check`` validates it.

    Several plugins may return the same folder; it is read once.

    .. versionadded:: 0.1
    """
