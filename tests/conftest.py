"""Shared fixtures: run the CLI in a subprocess, and install plugins as separate distributions
(a folder with a ``*.dist-info`` holding ``entry_points.txt``, put on the path)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Small matrices throughout: BLAS threads only contend (set before numpy is imported).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parent.parent
#: One catalog cache for the whole run, outside the user's home.
CACHE_DIR = tempfile.mkdtemp(prefix="physml-cache-")


def contributing_files() -> dict[str, str]:
    """The files CONTRIBUTING.md spells out, by the path its ``<!-- file: ... -->`` marks give."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def install_distribution(
    site: Path, name: str, entry_points: dict[str, str], files: dict[str, str] | None = None
) -> Path:
    """Lay out a distribution as an installer would: its files and a minimal dist-info."""
    for relative, content in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[physml]\n{lines}")
    return site


def install_gibbs_variants(site: Path, name: str, plugin_source: str, ids: list[str]) -> Path:
    """A distribution ``physml-<name>`` whose plugin module ``physml_<name>`` (``plugin_source``)
    registers variants of gibbs-softmax under ``ids``, each with a copy of gibbs-softmax's
    catalog entry (without its aliases) in the package's ``catalog`` folder."""
    package = f"physml_{name}"
    install_distribution(
        site, f"physml-{name}", {name: package}, {f"{package}/__init__.py": plugin_source}
    )
    text = (ROOT / "catalog" / "gibbs-softmax.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^(aliases|former_ids):.*?(?=^\w|\Z)", "", text)
    (site / package / "catalog").mkdir()
    for cid in ids:
        entry = text.replace("id: gibbs-softmax", f"id: {cid}", 1)
        (site / package / "catalog" / f"{cid}.yaml").write_text(entry, encoding="utf-8")
    return site


def run_physml(
    *args: str,
    site: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """``python -m physml ARGS`` in a fresh interpreter, with ``site`` on the path."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PHYSML_")}
    environment.pop("CI", None)
    environment["NO_COLOR"] = "1"
    environment["PHYSML_CACHE_DIR"] = CACHE_DIR
    if site is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(site), *filter(None, [environment.get("PYTHONPATH")])]
        )
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "physml", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        input=stdin,
        cwd=cwd or ROOT,
        timeout=600,
    )


def verdicts(report: dict) -> list:
    """What must be identical between two runs with one seed: statuses, example counts,
    counterexamples, mutants and boundaries. Errors are left out: numpy's vectorised exp and log
    can round the last bit differently with an array's memory alignment, so the largest error
    of a run may differ in its last digits from process to process."""
    return [
        (
            r["id"],
            r["status"],
            [(i["name"], i["status"], i["examples"], i["counterexample"]) for i in r["identities"]],
            [(m["name"], m["status"], m["killed_by"]) for m in r.get("mutants", [])],
            [(b["name"], b["status"], b["counterexample"]) for b in r.get("boundaries", [])],
        )
        for r in report["results"]
    ]


def run_pytest(*args: str, site: Path | None = None, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` in a fresh interpreter in ``cwd``, with ``site`` on the path."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PHYSML_")}
    environment.pop("CI", None)
    environment["PHYSML_CACHE_DIR"] = CACHE_DIR
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(autouse=True)
def _private_catalog_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHYSML_CACHE_DIR", CACHE_DIR)


@pytest.fixture
def twolevel_site(tmp_path: Path) -> Path:
    """CONTRIBUTING.md's example plugin, installed as the separate distribution physml-twolevel."""
    files = {k: v for k, v in contributing_files().items() if k.startswith("physml_twolevel/")}
    return install_distribution(
        tmp_path / "site", "physml-twolevel", {"twolevel": "physml_twolevel"}, files
    )


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    """A distribution whose plugin raises at import."""
    return install_distribution(
        tmp_path / "broken",
        "physml-broken",
        {"broken": "physml_broken"},
        {"physml_broken.py": "raise RuntimeError('this plugin is broken on purpose')\n"},
    )
