"""verify --jobs, --timeout, --scheduler: hung or crashed workers are errors, others complete."""

from __future__ import annotations

import json

import pytest
from conftest import install_gibbs_variants, run_physml, verdicts

import physml
from physml.verifier import verify_many

# gibbs-softmax twice more under new ids: one whose physics side never returns, one whose
# physics side kills its own process, as a broken extension module would.
BAD_PLUGIN = """\
import os
import signal
import time
from pathlib import Path

import attrs

from physml import hookimpl
from physml_plugins.thermodynamics import GIBBS_SOFTMAX


def hang(params):
    time.sleep(3600)


def crash(params):
    os.kill(os.getpid(), signal.SIGSEGV)


HANG = attrs.evolve(GIBBS_SOFTMAX.with_physics(hang), id="gibbs-softmax-hang")
CRASH = attrs.evolve(GIBBS_SOFTMAX.with_physics(crash), id="gibbs-softmax-crash")


@hookimpl
def physml_correspondences():
    return [HANG, CRASH]


@hookimpl
def physml_catalog_dirs():
    return [Path(__file__).parent / "catalog"]
"""


@pytest.fixture
def bad_site(tmp_path):
    ids = ["gibbs-softmax-hang", "gibbs-softmax-crash"]
    return install_gibbs_variants(tmp_path / "site", "bad", BAD_PLUGIN, ids)


def test_hung_and_crashed_workers_are_errors_and_the_others_complete(bad_site):
    ids = ["gibbs-softmax-hang", "gibbs-softmax", "gibbs-softmax-crash", "maxent-logistic"]
    run = run_physml(
        "verify", *ids, "--jobs", "2", "--timeout", "30", "--profile", "dev", "--seed", "1",
        "--json", site=bad_site,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    by_id = {r["id"]: r for r in report["results"]}
    assert [r["id"] for r in report["results"]] == ids
    assert by_id["gibbs-softmax"]["status"] == "passed"
    assert by_id["maxent-logistic"]["status"] == "passed"
    hang, crash = by_id["gibbs-softmax-hang"], by_id["gibbs-softmax-crash"]
    assert hang["status"] == crash["status"] == "error"
    assert hang["identities"][0]["message"] == "timed out after 30 s"
    assert "SIGSEGV" in crash["identities"][0]["message"]


def test_timeout_alone_uses_one_worker_and_agrees_with_a_serial_run():
    registry = physml.get_registry()
    entries = [registry.get("gibbs-softmax"), registry.get("born-bayes")]
    options = {"profile": "dev", "seed": 7, "mutants": True}
    serial = verify_many(entries, **options).to_json()
    bounded = verify_many(entries, timeout=300, **options).to_json()
    assert verdicts(bounded) == verdicts(serial)


def test_bad_timeout_and_missing_scheduler_package_are_usage_errors():
    run = run_physml("verify", "gibbs-softmax", "--timeout", "0")
    assert run.returncode == 2
    assert "--timeout must be a positive" in run.stderr


def test_dask_local_cluster_gives_the_serial_results():
    distributed = pytest.importorskip("distributed")
    registry = physml.get_registry()
    entries = [registry.get("gibbs-softmax"), registry.get("maxwell-boltzmann-gaussian")]
    options = {"profile": "dev", "seed": 3}
    serial = verify_many(entries, **options).to_json()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = verify_many(entries, scheduler=cluster.scheduler_address, **options).to_json()
        run = run_physml(
            "verify", "gibbs-softmax", "--scheduler", cluster.scheduler_address,
            "--profile", "dev", "--seed", "3", "--json",
        )  # fmt: skip
    assert verdicts(remote) == verdicts(serial)
    assert run.returncode == 0, run.stderr
    assert verdicts(json.loads(run.stdout)) == verdicts(serial)[:1]
