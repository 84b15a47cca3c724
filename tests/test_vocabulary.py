"""The concept vocabulary: the issue's concepts exist with both names, the essay's Chinese terms,
every concept is used, and lookup by name is tolerant of case, accents and hyphens."""

from __future__ import annotations

import pytest

from physml import get_registry
from physml.vocabulary import UnknownConcept, concept_usage, find_concept


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.mark.parametrize(
    ("name", "concept_id"),
    [
        ("temperature", "temperature"),
        ("partition function", "partition-function"),
        ("free energy", "free-energy"),
        ("Fisher information", "fisher-information"),
        ("energy function", "energy"),
        ("coupling", "spin-coupling"),
        ("magnetisation", "magnetization"),
        ("evidence", "evidence"),
        ("normaliser", "normalizer"),
        ("learning rate", "time-step"),
        ("weights", "weights"),
    ],
)
def test_the_issues_concepts_have_both_names_and_a_definition(registry, name, concept_id):
    concept = find_concept(registry, name)
    assert concept.id == concept_id
    assert concept.en and concept.zh and concept.side in ("physics", "learning", "both")
    assert concept.definition and "\n" not in concept.definition


@pytest.mark.parametrize(
    ("concept_id", "essay_term"),
    [
        ("partition-function", "分区函数"),
        ("fisher-information", "费舍尔信息矩阵"),
        ("energy", "能量函数"),
        ("molecular-dynamics", "分子动力学模拟"),
        ("parametrized-quantum-circuit", "量子神经网络"),
        ("maxwell-boltzmann-distribution", "麦克斯韦-玻尔兹曼分布"),
    ],
)
def test_chinese_names_are_the_essays_own_terms(registry, concept_id, essay_term):
    assert registry.concepts[concept_id].zh == essay_term


def test_textbook_terms_stay_as_aliases(registry):
    assert find_concept(registry, "配分函数").id == "partition-function"
    assert find_concept(registry, "能量").id == "energy"


@pytest.mark.parametrize(
    "name", ["Matérn kernel", "matern-KERNEL", "Matern_kernel", "  matérn   kernel "]
)
def test_lookup_ignores_case_accents_hyphens_and_spacing(registry, name):
    assert find_concept(registry, name).id == "matern-kernel"


def test_unknown_concept_suggests_a_close_one(registry):
    with pytest.raises(UnknownConcept, match="did you mean temperature"):
        find_concept(registry, "temprature")


def test_every_concept_is_used_by_some_entry(registry):
    unused = [row["id"] for row in concept_usage(registry) if not row["entries"]]
    assert unused == []
