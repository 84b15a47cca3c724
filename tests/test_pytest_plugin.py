"""``pytest --physml``: one item per identity, mutant and boundary; broken plugins fail."""

from __future__ import annotations

import re

from conftest import install_gibbs_variants, run_pytest

import physml

# A third-party plugin whose correspondence is gibbs-softmax with one of its mutants applied:
# a wrong physics side that the identities must reject, registered under a new id.
WRONG_PLUGIN = """\
import attrs
from pathlib import Path

from physml import hookimpl
from physml_plugins.thermodynamics import GIBBS_SOFTMAX

WRONG = attrs.evolve(GIBBS_SOFTMAX.mutants[0].apply(GIBBS_SOFTMAX), id="gibbs-softmax-wrong")


@hookimpl
def physml_correspondences():
    return [WRONG]


@hookimpl
def physml_catalog_dirs():
    return [Path(__file__).parent / "catalog"]
"""


def _node_ids(output: str) -> list[str]:
    return re.findall(r"^(physml::\S+)", output, flags=re.M)


def test_one_item_per_identity_mutant_and_boundary(tmp_path):
    c = physml.get_registry().get("born-bayes")
    run = run_pytest("--physml", "--physml-id", "born-bayes", "--collect-only", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    expected = [f"physml::born-bayes::{i.name}" for i in c.identities]
    expected += [f"physml::born-bayes::mutant::{m.name}" for m in c.mutants]
    expected += [f"physml::born-bayes::boundary::{b.name}" for b in c.boundaries]
    assert _node_ids(run.stdout) == expected


def test_items_pass_with_profiles_and_seed(tmp_path):
    run = run_pytest(
        "--physml",
        "--physml-id",
        "gibbs-softmax",
        "--physml-profile",
        "dev",
        "--hypothesis-seed",
        "12345",
        "-q",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    c = physml.get_registry().get("gibbs-softmax")
    count = len(c.identities) + len(c.mutants) + len(c.boundaries)
    assert re.search(rf"\b{count} passed\b", run.stdout), run.stdout


def test_without_the_option_nothing_is_collected_or_imported(tmp_path):
    (tmp_path / "test_plain.py").write_text(
        "import sys\n\n"
        "def test_physml_stays_unloaded():\n"
        "    assert 'physml.registry' not in sys.modules or 'physml_plugins' not in sys.modules\n"
        "    assert not any(m.startswith('physml_plugins') for m in sys.modules)\n"
    )
    run = run_pytest("-q", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "physml::" not in run.stdout


def test_unknown_id_is_a_usage_error(tmp_path):
    run = run_pytest("--physml", "--physml-id", "gibbs-sofmax", cwd=tmp_path)
    assert run.returncode == 4  # pytest's exit code for usage errors
    assert "did you mean gibbs-softmax" in run.stderr


def test_a_broken_plugin_is_a_failing_item(tmp_path, broken_site):
    run = run_pytest("--physml", "-k", "plugin", "-q", site=broken_site, cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED physml::plugin::broken" in run.stdout
    assert "this plugin is broken on purpose" in run.stdout


def test_a_wrong_correspondence_fails_with_its_counterexample(tmp_path):
    site = install_gibbs_variants(tmp_path / "site", "wrong", WRONG_PLUGIN, ["gibbs-softmax-wrong"])
    run = run_pytest(
        "--physml",
        "--physml-id",
        "gibbs-softmax-wrong",
        "--physml-profile",
        "dev",
        "-q",
        "-k",
        "not mutant",
        site=site,
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED physml::gibbs-softmax-wrong::" in run.stdout
    assert "counterexample:" in run.stdout
    assert "reproduce: physml verify gibbs-softmax-wrong" in run.stdout
