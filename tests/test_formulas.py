"""Formulas: LaTeX statements as Unicode text for the terminal and as MathML for the web page."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import run_physml

from physml import formulas
from physml.cli import UsageError
from physml.registry import get_registry
from physml.render import WIDTH


def _statements() -> list[tuple[str, str, str]]:
    return [
        (c.id, identity.name, identity.statement)
        for c in get_registry()
        for identity in c.catalog.identities
    ]


def test_every_catalog_statement_converts_to_text_and_mathml():
    statements = _statements()
    assert len(statements) > 100
    for cid, name, latex in statements:
        text = formulas.to_unicode(latex)
        where = f"{cid} {name}: {text}"
        assert text and text == text.strip(), where
        assert "\\" not in text, where  # every macro was understood
        assert not set(text) & {"\x01", "\x02"}, where  # no spacing mark left behind
        assert "  " not in text.replace("   ", ""), where
        assert text.count("(") == text.count(")"), where
        mathml = formulas.to_mathml(latex)
        assert mathml.startswith("<math") and mathml.endswith("</math>"), where
        assert "merror" not in mathml, where


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\frac{a}{b}", "a/b"),
        (r"\frac{p(x)}{p(x) + q(x)}", "p(x)/(p(x) + q(x))"),
        (r"\frac{\hbar}{2m\omega}", "ħ/(2mω)"),  # a product below the line is bracketed
        (r"\frac{1}{v(1-a^2)}", "1/(v(1-a²))"),
        (r"\frac{\partial L}{\partial J_{ij}}", "∂L/∂J_ij"),
        (r"\tfrac12 \log\det A", "½ log det A"),
        (r"\tfrac{d}{2}\log 2\pi", "d/2 log 2π"),  # a fraction is kept apart from what follows
        (r"\log\frac{Z(1)}{Z(0)}", "log (Z(1)/(Z(0)))"),  # log of the whole fraction
        (
            r"\log Z = -\beta E_{\min} + \log \sum_i e^{-\beta (E_i - E_{\min})}",
            "log Z = -βE_min + log ∑_i e^(-β(E_i - E_min))",
        ),
        (r"\sum_{k=0}^{N-1} x_k", "∑_(k=0)^(N-1) x_k"),
        (r"x^2 + \beta^{-1} + A^{-1/2} + X^\top", "x² + β⁻¹ + A^(-1/2) + Xᵀ"),
        (r"\lambda_2 \kappa_4 x_0", "λ₂ κ₄ x₀"),
        (r"e^{\beta\Delta_1}", "e^(βΔ₁)"),  # several symbols up there: bracketed
        (r"\mathrm{KL}(q \,\|\, p) \ge 0", "KL(q ‖ p) ≥ 0"),
        (r"U = \langle E \rangle_p", "U = ⟨E⟩_p"),
        (r"\operatorname*{argmin}_\phi S[\phi]", "argmin_ϕ S[ϕ]"),
        (r"\operatorname{Tr} A", "Tr A"),
        (r"\mu = m,\; \beta J", "μ = m, βJ"),
        (r"F = -kT\,\mathrm{lse}(z), \quad F \le E_{\min}", "F = -kT lse(z),   F ≤ E_min"),
        (r"\sqrt{\chi^2} + \sqrt{p(v)\,p(h)}", "√χ² + √(p(v) p(h))"),
        (r"\mathbb{E}_{y \sim p}[s]", "𝔼_(y ∼ p)[s]"),
        (r"\left.\frac{\partial^2 f}{\partial x^2}\right|_{x=0}", "(∂² f)/∂x²|_(x=0)"),
        (r"\overline{c_\omega} + \hat C + \tilde p", "c̅_ω + Ĉ + p̃"),
        (r"F^{-1} = \mathbf{1}\mathbf{1}^\top", "F⁻¹ = 𝟏𝟏ᵀ"),
        (r"\binom{N-1}{k}", "(N-1 choose k)"),
        (
            r"x = \begin{cases} 1 & p \le n \\ 0 & \text{otherwise} \end{cases}",
            "x = {1 if p ≤ n; 0 otherwise}",
        ),
        (r"\Omega = \begin{pmatrix} 0 & I \\ -I & 0 \end{pmatrix}", "Ω = (0, I; -I, 0)"),
        (r"a \ne b \iff c \Rightarrow d", "a ≠ b ⇔ c ⇒ d"),
        (r"G \xrightarrow{a\to0} H", "G →_(a → 0) H"),
    ],
)
def test_unicode_reads_like_the_formula(latex, text):
    assert formulas.to_unicode(latex) == text


def test_unparsable_latex_still_gives_text():
    assert formulas.to_unicode(r"\frac{a}{") != ""
    assert formulas.to_unicode("plain words") == "plain words"


def test_mathml_without_the_html_extra_is_a_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)
    with pytest.raises(UsageError, match=r"pip install 'physml\[html\]'"):
        formulas.to_mathml("x")


def test_importing_the_module_loads_no_converter():
    code = (
        "import sys, physml.formulas; "
        "print(sorted(m for m in ('pylatexenc', 'latex2mathml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_show_prints_statements_as_unicode_and_json_keeps_latex():
    text = run_physml("show", "gibbs-softmax")
    assert text.returncode == 0
    assert "log Z = -βE_min + log ∑_i e^(-β(E_i - E_min)) = lse(z)" in text.stdout
    assert "\\frac" not in text.stdout and "\\log" not in text.stdout
    assert all(len(line) <= WIDTH for line in text.stdout.splitlines())
    data = run_physml("show", "gibbs-softmax", "--json")
    statements = [i["statement"] for i in __import__("json").loads(data.stdout)["identities"]]
    assert any("\\frac" in s for s in statements)
