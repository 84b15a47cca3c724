"""physml: correspondences between physics and machine learning, each numerically verified.

The public API::

    import physml

    registry = physml.load_registry()
    c = registry.get("gibbs-softmax")
    result = c.evaluate({"energies": [0.0, 1.0, 2.0], "temperature": 0.5})
    report = physml.verify(c, profile="dev")

Importing physml loads no plugin and imports neither numpy, scipy nor hypothesis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from physml.hookspecs import hookimpl
    from physml.model import (
        Boundary,
        Comparison,
        Correspondence,
        Evaluation,
        Identity,
        LearningMethod,
        Mutant,
        OutsideDomain,
        Parameter,
        ParameterError,
        PhysicalSystem,
    )
    from physml.registry import Registry, UnknownCorrespondence, get_registry, load_registry
    from physml.verifier import CorrespondenceReport

# The public names are imported on first use (PEP 562), so that importing a submodule (the
# pytest plugin, which every pytest run loads, or the command line) costs nothing it does not use.
_HOMES = {
    "hookimpl": "physml.hookspecs",
    **dict.fromkeys(
        [
            "Boundary",
            "Comparison",
            "Correspondence",
            "Evaluation",
            "Identity",
            "LearningMethod",
            "Mutant",
            "OutsideDomain",
            "Parameter",
            "ParameterError",
            "PhysicalSystem",
        ],
        "physml.model",
    ),
    **dict.fromkeys(
        ["Registry", "UnknownCorrespondence", "get_registry", "load_registry"], "physml.registry"
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'physml' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Boundary",
    "Comparison",
    "Correspondence",
    "Evaluation",
    "Identity",
    "LearningMethod",
    "Mutant",
    "OutsideDomain",
    "Parameter",
    "ParameterError",
    "PhysicalSystem",
    "Registry",
    "UnknownCorrespondence",
    "__version__",
    "get_registry",
    "hookimpl",
    "load_registry",
    "verify",
]


def verify(c: Correspondence, **options: Any) -> CorrespondenceReport:
    """Verify one correspondence; see :func:`physml.verifier.verify` for the options."""
    from physml.verifier import verify as run

    return run(c, **options)
