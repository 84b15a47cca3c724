"""Plugins installed as separate distributions: discovery, failures, disabling, conflicts."""

from __future__ import annotations

import json

from conftest import install_distribution, run_physml


def test_separately_installed_distribution_adds_its_correspondence_to_list(twolevel_site):
    result = run_physml("list", "--json", site=twolevel_site)
    assert result.returncode == 0, result.stderr
    ids = {row["id"]: row for row in json.loads(result.stdout)}
    assert ids["two-level-sigmoid"]["plugin"] == "twolevel"
    assert "gibbs-softmax" in ids
    assert result.stderr == ""


def test_plugins_command_lists_the_distribution_with_its_ids(twolevel_site):
    result = run_physml("plugins", "--json", site=twolevel_site)
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["twolevel"]["ids"] == ["two-level-sigmoid"]
    assert rows["twolevel"]["version"] == "0.1.0"
    assert rows["twolevel"]["module"] == "physml_twolevel"
    assert rows["twolevel"]["status"] == "ok"
    assert "gibbs-softmax" in rows["thermodynamics"]["ids"]


def test_third_party_correspondence_verifies_with_its_mutants(twolevel_site):
    result = run_physml("verify", "two-level-sigmoid", "--mutants", "--json", site=twolevel_site)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["results"][0]["status"] == "passed"
    assert all(m["killed"] for m in report["results"][0]["mutants"])


def test_broken_plugin_is_recorded_warned_and_others_keep_working(broken_site):
    listed = run_physml("list", "--json", site=broken_site)
    assert listed.returncode == 0
    assert "gibbs-softmax" in {row["id"] for row in json.loads(listed.stdout)}
    assert "plugin 'broken'" in listed.stderr and "broken on purpose" in listed.stderr

    plugins = {
        row["name"]: row
        for row in json.loads(run_physml("plugins", "--json", site=broken_site).stdout)
    }
    assert plugins["broken"]["status"] == "error"
    assert "RuntimeError: this plugin is broken on purpose" in plugins["broken"]["errors"][0]

    shown = run_physml("show", "gibbs-softmax", site=broken_site)
    assert shown.returncode == 0


def test_broken_plugin_fails_verify_all_but_not_verify_of_a_healthy_id(broken_site):
    everything = run_physml("verify", "--all", "--profile", "dev", "--json", site=broken_site)
    assert everything.returncode == 1
    report = json.loads(everything.stdout)
    assert report["plugin_errors"][0]["plugin"] == "broken"
    assert report["errors"] >= 1
    one = run_physml("verify", "gibbs-softmax", "--profile", "dev", site=broken_site)
    assert one.returncode == 0, one.stdout
    assert "broken on purpose" in one.stderr  # still warned


def test_disabled_plugin_is_skipped_without_warning(broken_site):
    result = run_physml(
        "plugins", "--json", site=broken_site, env={"PHYSML_DISABLE_PLUGINS": "broken"}
    )
    assert result.stderr == ""
    plugins = {row["name"]: row for row in json.loads(result.stdout)}
    assert plugins["broken"]["status"] == "disabled"


def test_disabling_a_builtin_plugin_hides_its_entries_without_errors():
    result = run_physml("list", "--json", env={"PHYSML_DISABLE_PLUGINS": "thermodynamics"})
    assert result.returncode == 0
    assert "gibbs-softmax" not in {row["id"] for row in json.loads(result.stdout)}
    assert result.stderr == ""


def test_two_plugins_registering_one_id_is_an_error_naming_both(tmp_path, twolevel_site):
    files = {"physml_twolevel_copy.py": "from physml_twolevel import physml_correspondences\n"}
    install_distribution(twolevel_site, "physml-copy", {"copy": "physml_twolevel_copy"}, files)
    result = run_physml("plugins", "--json", site=twolevel_site)
    plugins = {row["name"]: row for row in json.loads(result.stdout)}
    message = (
        "correspondence 'two-level-sigmoid' is registered by both plugins 'copy' and 'twolevel'"
    )
    assert message in plugins["copy"]["errors"]
    assert message in plugins["twolevel"]["errors"]
    assert "two-level-sigmoid" in result.stderr
