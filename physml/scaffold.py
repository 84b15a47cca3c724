"""``physml new``: start a standalone plugin package for a new correspondence.

The package is generated from the templates in ``physml/templates/plugin`` (filled with
:class:`string.Template`): a pyproject with the ``physml`` entry point, the plugin module with one
complete, verified example to replace, its catalog entry, a test, a CI workflow and a README.
Nothing is ever overwritten: every target is checked before the first file is written.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from importlib.resources import files
from pathlib import Path
from string import Template

from physml import __version__
from physml.model import is_slug

__all__ = [
    "ScaffoldError",
    "cmd_new",
    "distribution_name",
    "entry_point_name",
    "package_name",
    "scaffold",
]

#: Template file (in physml/templates/plugin) -> its path in the generated package. The
#: templates carry a ``.tmpl`` suffix so that no tool mistakes them for physml's own files.
TEMPLATES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "test.yml.tmpl": ".github/workflows/test.yml",
    "__init__.py.tmpl": "src/$package/__init__.py",
    "plugin.py.tmpl": "src/$package/plugin.py",
    "catalog.yaml.tmpl": "src/$package/catalog/$id.yaml",
    "test_plugin.py.tmpl": "tests/test_plugin.py",
}

#: Characters no one-line text may hold: controls, surrogates (undecodable bytes), line breaks.
_FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


class ScaffoldError(ValueError):
    """The id, a text or the output folder cannot be used; nothing was written."""


def package_name(cid: str) -> str:
    """The Python package of the plugin for ``cid``: ``physml_`` and the id with underscores."""
    return "physml_" + cid.replace("-", "_")


def distribution_name(cid: str) -> str:
    """The distribution (what pip installs) of the plugin for ``cid``, ``physml-<id>``."""
    return f"physml-{cid}"


def entry_point_name(cid: str) -> str:
    """The plugin's name in the ``physml`` entry-point group: the id with underscores, like the
    names of physml's own plugins."""
    return cid.replace("-", "_")


def _check_id(cid: str) -> None:
    if is_slug(cid):
        return
    guess = re.sub(r"[^a-z0-9]+", "-", cid.lower()).strip("-")
    hint = f"; did you mean '{guess}'?" if is_slug(guess) else ""
    raise ScaffoldError(
        f"'{cid}' is not a valid id: use lower-case letters and digits, words joined by '-' "
        f"(like 'gibbs-softmax'){hint}"
    )


def _check_text(option: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise ScaffoldError(f"{option} must not be empty")
    bad = next((ch for ch in text if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES), None)
    if bad is not None:
        raise ScaffoldError(f"{option} must be one line of text (it holds {bad!a})")
    return text


def _values(cid: str, physics: str, learning: str) -> dict[str, str]:
    """What the templates' ``$names`` stand for."""
    title = f"{physics} ↔ {learning}"

    def quoted(text: str) -> str:
        # A JSON string is also a valid YAML and TOML string, escapes included.
        return json.dumps(text, ensure_ascii=False)

    return {
        "id": cid,
        "package": package_name(cid),
        "distribution": distribution_name(cid),
        "entry_name": entry_point_name(cid),
        "physml_version": __version__,
        "physics": physics,
        "learning": learning,
        "physics_yaml": quoted(physics),
        "learning_yaml": quoted(learning),
        "title_yaml": quoted(title),
        "description_toml": quoted(f"{title}: a physml correspondence"),
    }


def _targets(output: Path, values: dict[str, str]) -> dict[Path, str]:
    """Each file to write, with its content."""
    folder = files("physml") / "templates" / "plugin"
    targets = {}
    for template, target in TEMPLATES.items():
        text = (folder / template).read_text(encoding="utf-8")
        targets[output / Template(target).substitute(values)] = Template(text).substitute(values)
    return targets


def _refuse_existing(output: Path, targets: list[Path]) -> None:
    """Raise, naming it, if any target or a folder on its way is taken."""
    if output.exists() and not output.is_dir():
        raise ScaffoldError(f"{output} exists and is not a folder")
    for target in targets:
        if target.exists() or target.is_symlink():
            raise ScaffoldError(f"{target} already exists; physml new never overwrites a file")
        for parent in target.relative_to(output).parents:
            folder = output / parent
            if folder.exists() and not folder.is_dir():
                raise ScaffoldError(f"{folder} exists and is not a folder")


def scaffold(id: str, physics: str, learning: str, output: str | Path | None = None) -> list[Path]:
    """Write the plugin package for a new correspondence ``id`` into ``output``.

    :param id: the correspondence's id, a lower-case slug.
    :param physics: the physics side in words (the catalog entry and README use it).
    :param learning: the learning side in words.
    :param output: the package's root folder; a new folder named ``id`` by default. It may exist
        (empty, or holding files the package does not need).
    :return: the files written, in the order of :data:`TEMPLATES`.
    :raises ScaffoldError: for an invalid id or text, or when a file to write exists already;
        nothing is written then.
    """
    _check_id(id)
    values = _values(id, _check_text("--physics", physics), _check_text("--learning", learning))
    root = Path(output) if output is not None else Path(id)
    targets = _targets(root, values)
    _refuse_existing(root, list(targets))
    for path, content in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as stream:  # "x": never overwrite
            stream.write(content)
    return list(targets)


def _taken(cid: str) -> str | None:
    """Why ``cid`` cannot be used in this environment: an installed plugin already has it."""
    import warnings
    from importlib.metadata import entry_points

    from physml.registry import ENTRY_POINT_GROUP, get_registry

    name = entry_point_name(cid)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return f"the plugin name '{name}' is taken by {ep.value}; choose another id"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # another plugin's problems are not this command's
        registry = get_registry()
    if cid in registry.ids():
        owner = registry.get(cid).plugin
        return f"'{cid}' is already registered by the plugin '{owner}'; choose another id"
    return None


def _pip_argument(path: Path) -> str:
    """``path`` as pip's argument: quoted for the shell, and plainly a folder (./name)."""
    import shlex

    text = path.as_posix()
    if not (path.is_absolute() or text == "." or text.startswith(("./", "../"))):
        text = f"./{text}"
    return shlex.quote(text)


def cmd_new(args: argparse.Namespace) -> int:
    """``physml new ID --physics TEXT --learning TEXT [--output DIR] [--json]``."""
    from physml.cli import EXIT_OK, UsageError, _emit_json
    from physml.render import indent

    try:
        _check_id(args.id)
    except ScaffoldError as error:
        raise UsageError(str(error)) from None
    reason = _taken(args.id)
    if reason:
        raise UsageError(reason)
    root = Path(args.output) if args.output else Path(args.id)
    try:
        written = scaffold(args.id, args.physics, args.learning, root)
    except ScaffoldError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write {error.filename or root}: {error.strerror}") from None
    package, distribution = package_name(args.id), distribution_name(args.id)
    relative = [path.relative_to(root).as_posix() for path in written]
    if args.json:
        _emit_json(
            {
                "id": args.id,
                "distribution": distribution,
                "package": package,
                "entry_point": f"{entry_point_name(args.id)} = {package}.plugin",
                "output": str(root),
                "files": relative,
            }
        )
        return EXIT_OK
    lines = [indent(f"created {root}, the plugin package {distribution}:", "")]
    lines += [f"  {name}" for name in relative]
    lines += [
        "",
        "next:",
        f"  pip install -e {_pip_argument(root)}",
        f"  physml verify {args.id} --mutants",
        indent(
            f"then replace the worked example in src/{package}/plugin.py (its REPLACE comments) "
            f"and in its catalog entry, and verify again",
            "  ",
        ),
    ]
    print("\n".join(lines))
    return EXIT_OK
