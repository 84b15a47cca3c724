"""`physml export`: Markdown pages, an Obsidian vault, one JSON document and one web page, written
only where physml owns the files; the web page is loaded and searched in headless Chromium."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import run_physml

from physml import cli, export, history
from physml.registry import get_registry

WIKILINK = re.compile(r"\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")
RESERVED = {"con", "prn", "aux", "nul", *(f"{d}{i}" for d in ("com", "lpt") for i in range(10))}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of this test's own, so that no verification result leaks in."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PHYSML_CACHE_DIR", str(folder))
    return folder


def _export(capsys, fmt: str, output: Path, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["export", "--format", fmt, "--output", str(output), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file()
    }


def _outside_code_and_math(text: str) -> str:
    """What Obsidian reads links in: not code blocks, code spans or $formulas$."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`]*`|(?<!\\)\$.*?(?<!\\)\$", "", text)


def _report(cid: str = "gibbs-softmax", status: str = "passed") -> dict:
    return {
        "physml_version": "0.1.0",
        "versions": {"python": "3.11.7", "numpy": "2.0.0", "scipy": "1.14.0", "hypothesis": "6.1"},
        "profile": "thorough",
        "seed": 42,
        "plugins": [{"name": "thermodynamics", "version": "0.1.0", "distribution": "physml"}],
        "results": [
            {
                "id": cid,
                "status": status,
                "duration_s": 1.0,
                "identities": [{"name": "x", "status": status}],
                "mutants": [],
            }
        ],
        "plugin_errors": [],
        "passed": 1,
        "failed": 0,
        "errors": 0,
    }


# -- the formats ------------------------------------------------------------------------------


def test_json_is_exactly_show_json_of_every_entry_and_concepts_json(capsys, tmp_path, cache):
    code, out, _ = _export(capsys, "json", tmp_path / "out")
    assert code == 0 and "catalog.json" in out
    document = json.loads((tmp_path / "out" / "catalog.json").read_text(encoding="utf-8"))
    assert set(document) == {"physml_version", "entries", "concepts"}
    ids = [row["id"] for row in json.loads(run_physml("list", "--json").stdout)]
    assert sorted(e["id"] for e in document["entries"]) == sorted(ids)
    shown = json.loads(run_physml("show", "gibbs-softmax", "--json").stdout)
    assert next(e for e in document["entries"] if e["id"] == "gibbs-softmax") == shown
    assert document["concepts"] == json.loads(run_physml("concepts", "--json").stdout)


def test_markdown_has_one_page_per_entry_and_an_index_with_formulas(capsys, tmp_path, cache):
    code, _, _ = _export(capsys, "markdown", tmp_path / "md")
    assert code == 0
    files = _files(tmp_path / "md")
    registry = get_registry()
    expected = {"index.md", export.MANIFEST} | {f"{c.id}.md" for c in registry}
    assert set(files) == expected
    page = files["gibbs-softmax.md"]
    for identity in registry.get("gibbs-softmax").catalog.identities:
        assert f"${' '.join(identity.statement.split())}$" in page
    for name, text in files.items():  # every relative link resolves
        for target in re.findall(r"\]\(([^)\s]+\.md)\)", text):
            assert target in files, (name, target)
    assert all(f"({c.id}.md)" in files["index.md"] for c in registry)
    # A row that holds more weakly (or strongly) than its entry says so.
    for c in registry:
        dictionary = files[f"{c.id}.md"].split("## Dictionary")[1].split("## Identities")[0]
        for regime in ("exact", "limit", "analogy"):
            differing = sum(r.regime == regime != c.regime for r in c.catalog.dictionary)
            assert dictionary.count(f" [{regime}]: ") == differing, (c.id, regime)


def test_obsidian_vault_notes_front_matter_and_links(capsys, tmp_path, cache):
    vault = tmp_path / "vault"
    code, _, _ = _export(capsys, "obsidian", vault)
    assert code == 0
    files = {k: v for k, v in _files(vault).items() if k.endswith(".md")}
    registry = get_registry()
    assert f"{export.OBSIDIAN_INDEX}.md" in files
    for c in registry:
        assert f"correspondences/{c.id}.md" in files
    for concept in registry.concepts:
        assert f"concepts/{concept}.md" in files
    # every [[link]] resolves to a note: by its path in the vault, or by a unique file name
    stems: dict[str, list[str]] = {}
    for name in files:
        stems.setdefault(Path(name).stem, []).append(name)
    links = 0
    for name, text in files.items():
        for target in WIKILINK.findall(_outside_code_and_math(text)):
            links += 1
            resolved = f"{target}.md" in files or len(stems.get(target, [])) == 1
            assert resolved, f"{name}: [[{target}]] leads nowhere"
    assert links > 1000
    # front matter: id, regime, tags, aliases in English and Chinese
    entry = registry.get("gibbs-softmax").catalog
    note = files["correspondences/gibbs-softmax.md"]
    meta = _front_matter(note)
    assert meta["id"] == "gibbs-softmax" and meta["regime"] == "exact"
    assert meta["physml"] == "generated"
    assert "physml" in meta["tags"] and set(entry.tags) <= set(meta["tags"])
    assert {entry.title, entry.title_zh, *entry.aliases} <= set(meta["aliases"])
    assert any(re.search(r"[\u4e00-\u9fff]", a) for a in meta["aliases"])
    # dictionary rows link their concepts; formulas are in $...$
    for row in entry.dictionary:
        for cid in row.concepts:
            assert f"[[concepts/{cid}|" in note
    assert f"${' '.join(entry.identities[0].statement.split())}$" in note
    concept = _front_matter(files["concepts/temperature.md"])
    assert {"temperature", "温度"} <= set(concept["aliases"])
    assert "[[correspondences/gibbs-softmax|" in files["concepts/temperature.md"]


def test_vault_file_names_are_valid_on_every_system(capsys, tmp_path, cache):
    _export(capsys, "obsidian", tmp_path / "vault")
    for path in (tmp_path / "vault").rglob("*.md"):
        relative = path.relative_to(tmp_path / "vault")
        for part in relative.parts[:-1]:
            assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", part)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.md", relative.name), relative
        assert relative.stem not in RESERVED and len(str(relative)) < 120
    assert export.file_stem("con") == "con-" and export.file_stem("Aux") == "aux-"


def test_notes_say_when_an_entry_was_last_verified(capsys, tmp_path, cache):
    _export(capsys, "obsidian", tmp_path / "before")
    note = (tmp_path / "before/correspondences/gibbs-softmax.md").read_text(encoding="utf-8")
    assert "not verified on this machine yet (run `physml verify gibbs-softmax`)" in note
    assert _front_matter(note)["verified"] == "not yet"

    history.record(_report(), {"gibbs-softmax": "thermodynamics"})
    _export(capsys, "obsidian", tmp_path / "after")
    note = (tmp_path / "after/correspondences/gibbs-softmax.md").read_text(encoding="utf-8")
    assert _front_matter(note)["verified"] == "passed"
    line = note.split("## Last verification\n\n", 1)[1].splitlines()[0]
    assert line.startswith("passed on ") and "UTC with profile thorough, seed 42" in line
    for version in ("physml 0.1.0", "plugin thermodynamics 0.1.0", "Python 3.11.7"):
        assert version in line
    assert "numpy 2.0.0" in line and "scipy 1.14.0" in line and "hypothesis 6.1" in line


def test_a_verify_report_can_stand_in_for_this_machines_results(capsys, tmp_path, cache):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(_report(status="failed")), encoding="utf-8")
    code, _, _ = _export(capsys, "obsidian", tmp_path / "vault", "--report", str(report))
    assert code == 0
    note = (tmp_path / "vault/correspondences/gibbs-softmax.md").read_text(encoding="utf-8")
    assert "failed on " in note and "profile thorough" in note
    other = (tmp_path / "vault/correspondences/maxent-logistic.md").read_text(encoding="utf-8")
    assert "not verified on this machine yet" in other
    code, _, err = _export(capsys, "obsidian", tmp_path / "v2", "--report", str(tmp_path / "no"))
    assert code == 2 and "cannot read the report" in err
    code, _, err = _export(capsys, "html", tmp_path / "v3", "--report", str(report))
    assert code == 2 and "--report" in err


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "href", "action", "data", "poster"):
            value = values.get(name) or ""
            if re.match(r"\s*(https?:)?//", value):
                self.external.append((tag, values.get("class") or "", value))


def test_html_page_is_self_contained(capsys, tmp_path, cache):
    code, _, _ = _export(capsys, "html", tmp_path / "site")
    assert code == 0
    files = _files(tmp_path / "site")
    assert set(files) == {"index.html", export.MANIFEST}
    page = files["index.html"]
    links = _Links()
    links.feed(page)
    # the only network addresses are the references a reader may click
    assert links.external and all(t == "a" and c == "ref" for t, c, _ in links.external)
    assert "link" not in links.tags and "iframe" not in links.tags
    assert not re.search(r"<script[^>]+src=|@import|url\(", page)
    data = re.search(r'<script type="application/json" id="physml-data">(.*?)</script>', page, re.S)
    document = json.loads(data.group(1))
    assert document == json.loads(json.dumps(export.catalog_document(_catalog())))
    statements = sum(len(c.catalog.identities) for c in get_registry())
    assert page.count("<math") == statements
    assert '<svg id="graph"' in page and page.count('class="edge"') > 100


def _catalog() -> export.Catalog:
    return export.Catalog.from_index(cli._index())


def test_html_without_the_html_extra_is_a_usage_error(tmp_path):
    args = ["export", "--format", "html", "--output", str(tmp_path / "s")]
    code = (
        "import sys; sys.modules['latex2mathml'] = sys.modules['latex2mathml.converter'] = None; "
        f"from physml.cli import main; raise SystemExit(main({args!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'physml[html]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "s").exists()  # nothing is written when the page cannot be made


# -- owning files, never deleting or overwriting a user's ---------------------------------------


def test_an_existing_vault_keeps_the_users_notes(capsys, tmp_path, cache):
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    mine = {
        "essay.md": "# 物理与机器学习\n\nmy essay, linking [[physml]]\n",
        ".obsidian/app.json": "{}",
        "concepts/my-own-concept.md": "mine\n",
        "physml.md": "my own note that happens to share physml's index name\n",
    }
    for name, text in mine.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_text(text, encoding="utf-8")
    code, out, err = _export(capsys, "obsidian", vault, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["skipped"] == ["physml.md"] and summary["kept"] == []
    assert "physml.md" in err and "physml did not write it" in err
    for name, text in mine.items():
        assert (vault / name).read_text(encoding="utf-8") == text
    manifest = json.loads((vault / export.MANIFEST).read_text(encoding="utf-8"))
    assert "physml.md" not in manifest["files"] and "essay.md" not in manifest["files"]
    assert "correspondences/gibbs-softmax.md" in manifest["files"]


def test_exporting_again_changes_nothing_and_keeps_edits(capsys, tmp_path, cache):
    vault = tmp_path / "vault"
    _export(capsys, "obsidian", vault)
    note = vault / "correspondences/gibbs-softmax.md"
    stamps = {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")}
    code, out, err = _export(capsys, "obsidian", vault, "--json")
    summary = json.loads(out)
    assert code == 0 and err == ""
    assert summary["written"] == summary["updated"] == []
    assert len(summary["unchanged"]) == len(stamps)
    assert stamps == {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")}

    edited = note.read_text(encoding="utf-8") + "\nMy own remark.\n"
    note.write_text(edited, encoding="utf-8")
    code, out, err = _export(capsys, "obsidian", vault)
    assert code == 0
    assert note.read_text(encoding="utf-8") == edited
    assert str(note) in err and "edited after physml wrote it" in err
    assert "left 1 file as they were" in out


def test_write_owned_updates_only_unedited_files_and_never_deletes(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    first = export.write_owned(folder, {"a.md": "one\n", "sub/b.md": "bee\n"})
    assert first.written == ["a.md", "sub/b.md"]
    second = export.write_owned(folder, {"a.md": "two\n"})  # b.md is no longer produced
    assert second.updated == ["a.md"] and (folder / "a.md").read_text() == "two\n"
    assert (folder / "sub/b.md").read_text() == "bee\n"  # never deleted
    (folder / "a.md").write_text("two, and my edit\n")
    third = export.write_owned(folder, {"a.md": "three\n", "sub/b.md": "bee 2\n"})
    assert third.kept == ["a.md"] and third.updated == ["sub/b.md"]
    assert (folder / "a.md").read_text() == "two, and my edit\n"
    (folder / "c.md").write_text("same\n")  # identical content is adopted, not reported
    fourth = export.write_owned(folder, {"c.md": "same\n"})
    assert fourth.unchanged == ["c.md"] and fourth.skipped == []
    assert "c.md" in json.loads((folder / export.MANIFEST).read_text())["files"]
    assert not [p for p in folder.rglob("*tmp*")]


def test_output_folder_is_created_but_its_parent_must_exist(capsys, tmp_path, cache):
    code, _, err = _export(capsys, "json", tmp_path / "missing" / "out")
    assert code == 2 and "does not exist" in err and not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("x")
    code, _, err = _export(capsys, "json", tmp_path / "file")
    assert code == 2 and "not a folder" in err
    code, out, _ = _export(capsys, "json", tmp_path / "new", "--json")
    assert code == 0 and (tmp_path / "new" / "catalog.json").is_file()
    assert json.loads(out)["written"] == ["catalog.json"]


def test_bad_format_is_a_usage_error():
    result = run_physml("export", "--format", "pdf", "--output", "x")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_export_imports_no_numerical_library(tmp_path):
    calls = "; ".join(
        f"main(['export', '--format', {fmt!r}, '--output', {str(tmp_path / fmt)!r}])"
        for fmt in ("markdown", "obsidian", "json", "html")
    )
    code = (
        f"import sys; from physml.cli import main; {calls}; "
        "heavy = ('numpy', 'scipy', 'hypothesis', 'matplotlib'); "
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    env = {**os.environ, "PHYSML_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stderr.strip().splitlines()[-1] == "[]"


# -- the web page in a browser ------------------------------------------------------------------


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("PHYSML_REQUIRE_BROWSER") == "1":
        pytest.fail("PHYSML_REQUIRE_BROWSER=1 but there is no chromium on the PATH")
    return found


def _dump_dom(browser: str, url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_page_searches_in_a_headless_browser(capsys, tmp_path, cache):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (set PHYSML_REQUIRE_BROWSER=1 to require it)")
    _export(capsys, "html", tmp_path / "site")
    page = (tmp_path / "site" / "index.html").resolve()
    dom = _dump_dom(browser, f"{page.as_uri()}?q=fisher")
    articles = dict(re.findall(r'<article class="entry"[^>]*data-id="([^"]+)"([^>]*)>', dom))
    assert len(articles) == len(get_registry())
    shown = {cid for cid, rest in articles.items() if "hidden" not in rest}
    assert "fisher-natural-gradient" in shown and "quantum-fisher-natural-gradient" in shown
    assert "gibbs-softmax" not in shown and "double-descent" not in shown
    assert 2 <= len(shown) < len(articles) / 2
    assert re.search(r'id="count"[^>]*>\d+ of \d+ correspondences match', dom)
    assert dom.count("<math") >= 100  # MathML reached the DOM: Chromium renders it natively
