"""physml's built-in plugins: one module per physics theme, each registered through the
``physml`` entry-point group exactly as a third-party plugin would be.

The catalog (one YAML file per correspondence, and the concept vocabulary) ships inside this
package as ``physml_plugins.catalog`` and is found with ``importlib.resources``, so editable and
regular installs read it the same way.
"""

from __future__ import annotations

from importlib.abc import Traversable
from importlib.resources import files

from physml import hookimpl


def catalog_folder() -> Traversable:
    """The folder holding the built-in catalog entries and ``concepts.yaml``."""
    return files("physml_plugins.catalog")


@hookimpl
def physml_catalog_dirs() -> list[Traversable]:
    """The built-in plugins share one catalog folder; each theme module re-exports this hook."""
    return [catalog_folder()]
