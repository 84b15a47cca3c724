"""Formulas: the catalog's LaTeX identity statements as Unicode text and as MathML.

``to_unicode`` is for the terminal (``physml show``): pylatexenc's LaTeX-to-text converter,
configured for the mathematics the catalog uses (fractions, sub- and superscripts, operator
names, delimiters, ``cases`` and matrices). ``to_mathml`` is for the web page that
``physml export --format html`` writes: latex2mathml, from the optional extra ``html``. Both
libraries are imported on first use, so that importing this module costs nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

__all__ = ["to_mathml", "to_unicode"]

# Unicode has super- and subscript forms of digits and signs in every font worth the name; the
# letters it has are patchy (no subscript b, c, d, ...), and a formula that mixes p_i with pⱼ
# reads worse than one that writes every letter index as _i. So letters keep their ^ and _.
_SUPERSCRIPTS = dict(zip("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾", strict=True))
_SUPERSCRIPTS.update({"⊤": "ᵀ", "𝖳": "ᵀ", "*": "*", "†": "†", "′": "′", "'": "′"})
_SUBSCRIPTS = dict(zip("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎", strict=True))
_VULGAR = {"1/2": "½", "1/3": "⅓", "2/3": "⅔", "1/4": "¼", "3/4": "¾", "1/8": "⅛"}

# fmt: off
#: Operator names LaTeX sets upright, spaced from their neighbours unless a bracket follows.
_OPERATORS = [
    "arg", "det", "exp", "log", "ln", "lim", "max", "min", "sup", "inf", "sin", "cos", "tan",
    "sinh", "cosh", "tanh", "coth", "Pr",
]
#: Big operators, whose scripts sit under them: ∑_i p_i, then a space before the summand.
_BIG = {"sum": "∑", "prod": "∏", "int": "∫", "oint": "∮"}
_SCRIPTED = [*_BIG, "lim", "max", "min", "sup", "inf"]
#: Relations and arrows get a space on each side whatever the source has: a ≤ b, x → 0.
_RELATIONS = [
    "le", "ge", "leq", "geq", "neq", "to", "rightarrow", "Rightarrow", "Leftarrow", "in",
    "notin", "sim", "simeq", "approx", "propto", "equiv", "subset", "subseteq", "preceq",
    "succeq", "mid", "mapsto", "times", "searrow", "ll", "gg",
]
_MORE_RELATIONS = {"ne": "≠", "iff": "⇔", "implies": "⇒"}
# fmt: on

#: Marks a point where a space goes unless punctuation, a closing bracket or a script follows:
#: after a fraction ("d/2 log 2π", not "d/2log 2π") and after a big operator and its scripts.
_GAP = "\x01"
#: The gap between clauses that \quad makes.
_CLAUSE = "\x02"

_OPENERS, _CLOSERS = "([{⟨⌈⌊", ")]}⟩⌉⌋"
_LOOSE = re.compile(r"[\s+\-−=<>≤≥≠≈≃∼∝,;:/|⇒⇔→←∈∉⊂]")
_SPACING = {"quad": _CLAUSE, "qquad": _CLAUSE, ",": " ", ";": " ", ":": " ", " ": " ", "!": ""}
# fmt: off
#: Delimiter sizes and math styles: nothing to show on one line of text.
_SILENT = [
    "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
    "Biggr", "middle", "textstyle", "displaystyle", "scriptstyle", "limits", "nolimits",
]
# fmt: on
#: Symbols that bind to what follows and count as no factor of their own (∂x, ∇U).
_PREFIXES = {"partial", "nabla"}
_MACRO_OPENERS = {"left", "langle", "lceil", "lfloor", "{"}
_MACRO_CLOSERS = {"right", "rangle", "rceil", "rfloor", "}"}


def _atomic(text: str) -> bool:
    """Whether ``text`` reads as one term: nothing loose outside brackets."""
    depth = 0
    for ch in text:
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
        elif depth == 0 and _LOOSE.match(ch):
            return False
    return True


def _nodes(arg: Any) -> list[Any]:
    """The nodes of a macro argument: a braced group's content, or the single token."""
    if arg is None:
        return []
    return list(arg.nodelist) if arg.isNodeType(_walker().LatexGroupNode) else [arg]


def _factors(nodes: list[Any]) -> int:
    """How many juxtaposed factors ``nodes`` hold outside brackets: 2kT has three, ∂p_i one.

    Brackets right after a letter or number count as a factor of their own, since v(1 - a²)
    may be a product; after a macro (tr(ρ), π(x)) they are taken as a function's argument.
    """
    walker = _walker()
    count, depth, previous = 0, 0, ""
    for node in nodes:
        if node.isNodeType(walker.LatexCharsNode):
            for ch in node.chars:
                if ch in _OPENERS:
                    count += depth == 0 and (previous.isalnum() or previous in _CLOSERS)
                    depth += 1
                elif ch in _CLOSERS:
                    depth -= 1
                elif ch.isalnum():  # a digit after a digit continues a number: 12, 0.97
                    count += depth == 0 and not (previous.isdigit() and ch.isdigit())
                if not ch.isspace() and not (ch == "." and previous.isdigit()):
                    previous = ch
            continue
        previous = "\\"
        if node.isNodeType(walker.LatexGroupNode):
            count += _factors(node.nodelist) if depth == 0 else 0
        elif node.isNodeType(walker.LatexMacroNode):
            name = node.macroname
            if name in _MACRO_OPENERS:
                count += depth == 0
                depth += 1
            elif name in _MACRO_CLOSERS:
                depth -= 1
            elif depth == 0 and name not in {*_PREFIXES, *_SPACING, *_SILENT}:
                count += 1
        elif node.isNodeType(walker.LatexEnvironmentNode):
            count += depth == 0
    return count


def _wrap(text: str, nodes: list[Any] | None = None) -> str:
    """``text`` in parentheses unless it reads as one term (with ``nodes``: one symbol)."""
    text = text.strip()
    if _atomic(text.replace(_GAP, "")) and (nodes is None or _factors(nodes) <= 1):
        return text
    return f"({text})"


def _source(node: Any) -> str:
    return str(node.parsing_state.s)


def _after(node: Any) -> str:
    """The LaTeX source right after ``node``."""
    return _source(node)[node.pos + node.len :]


def _before(node: Any) -> str:
    return _source(node)[: node.pos]


_BRACKET_NEXT = re.compile(r"\s*(?:\\(?:left|[bB]igg?l?)\s*)?[(\[]")
_SCRIPT_NEXT = re.compile(r"\s*[_^]")
_GROUP = r"(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\?[^\s{}\\])"
_AFTER_OPERATOR = re.compile(rf"\\(?:{'|'.join(_OPERATORS)})\s*(?:[_^]{_GROUP}\s*)*$")
_AFTER_SCRIPTED = re.compile(
    rf"(?:\\(?:{'|'.join(_SCRIPTED)})|\\operatorname\*?\{{\w+\}})\s*(?:[_^]{_GROUP}\s*)*$"
)


def _walker() -> Any:
    from pylatexenc import latexwalker

    return latexwalker


def _argument(node: Any, index: int) -> Any:
    args = node.nodeargd.argnlist if node.nodeargd else []
    return args[index] if index < len(args) else None


def _spaced_operator_next(node: Any) -> bool:
    """Whether the source has a space and then =, +, -, < or > right after ``node``."""
    end = node.pos + node.len
    return _source(node)[end - 1 : end].isspace() and bool(re.match(r"[=+\-<>]", _after(node)))


def _arg(node: Any, l2tobj: Any, index: int) -> str:
    """The text of a macro's argument ``index`` (counting optional ones), stripped."""
    arg = _argument(node, index)
    return "" if arg is None else str(l2tobj.nodelist_to_text([arg])).strip()


def _scripted(text: str, forms: dict[str, str], marker: str, nodes: list[Any]) -> str:
    """``text`` as a super/subscript: Unicode forms for digits and signs, else ``^x``, ``^(x+1)``.

    A subscript may be a word (E_min, J_ij); a superscript of several symbols is bracketed,
    because e^βΔ could be read as e^β times Δ.
    """
    text = text.replace(_GAP, "").strip()
    if not text:
        return ""
    if all(ch in forms for ch in text):
        return "".join(forms[ch] for ch in text)
    plain = re.fullmatch(r"(?:[^\W_]|[∞*′'½¼¾⅓⅔⅛±∓])+", text)
    if len(text) == 1 or (plain and (marker == "_" or _factors(nodes) <= 1)):
        return marker + text
    return f"{marker}({text})"


def _script(forms: dict[str, str], marker: str) -> Any:
    def render(node: Any, l2tobj: Any) -> str:
        text = _scripted(_arg(node, l2tobj, 0), forms, marker, _nodes(_argument(node, 0)))
        after = _after(node)
        # the scripts of ∑, lim, max, ... come before what the operator acts on: ∑_i p_i
        if _AFTER_SCRIPTED.search(_before(node)) and not _SCRIPT_NEXT.match(after):
            text += _GAP
        elif _spaced_operator_next(node):
            text += " "
        return text

    return render


def _fraction(node: Any, l2tobj: Any) -> str:
    top, bottom = _arg(node, l2tobj, 0), _arg(node, l2tobj, 1)
    text = _VULGAR.get(f"{top}/{bottom}")
    if text is None:
        text = f"{_wrap(top)}/{_wrap(bottom, _nodes(_argument(node, 1)))}"
    if _AFTER_OPERATOR.search(_before(node)):  # log (a/b), not log a/b
        return f"({text})"
    return text + _GAP


def _sqrt(node: Any, l2tobj: Any) -> str:
    root = _arg(node, l2tobj, 0)
    body = _wrap(_arg(node, l2tobj, 1), _nodes(_argument(node, 1)))
    sign = {"": "√", "3": "∛", "4": "∜"}.get(root)
    return f"{sign}{body}" if sign else f"{_scripted(root, _SUPERSCRIPTS, '^', [])}√{body}"


def _named(name: str) -> Any:
    """An operator name: ``log Z``, ``log(πT)``, ``max_j``, ``2 sinh θ``."""

    def render(node: Any) -> str:
        before, after = _before(node), _after(node)
        lead = " " if before[-1:].isalnum() or before[-1:] in _CLOSERS else ""
        glued = _BRACKET_NEXT.match(after) or _SCRIPT_NEXT.match(after)
        return f"{lead}{name}" if glued else f"{lead}{name} "

    return render


def _big(symbol: str) -> Any:
    """∑, ∏, ∫: a space before the summand, unless scripts come first."""
    return lambda node: symbol if _SCRIPT_NEXT.match(_after(node)) else symbol + _GAP


def _operatorname(node: Any, l2tobj: Any) -> str:
    """``\\operatorname{argmin}`` and its starred form, spaced like the built-in operators."""
    return str(_named(_arg(node, l2tobj, 1))(node))


def _delimiter(node: Any, l2tobj: Any) -> str:
    """``\\left(`` and ``\\right.``: the delimiter itself, or nothing for the null one."""
    text = _arg(node, l2tobj, 0)
    return "" if text == "." else text


def _combining(mark: str) -> Any:
    """An accent over the first character (\\overline{c_ω} reads c̅_ω, the conjugate of c_ω)."""

    def render(node: Any, l2tobj: Any) -> str:
        text = _arg(node, l2tobj, 0)
        return unicodedata.normalize("NFC", text[:1] + mark) + text[1:]

    return render


def _bold(node: Any, l2tobj: Any) -> str:
    """\\mathbf: the mathematical bold letters and digits (𝟏 for the all-ones vector)."""

    def bold(ch: str) -> str:
        if not (ch.isascii() and ch.isalnum()):
            return ch
        kind = "DIGIT" if ch.isdigit() else "CAPITAL" if ch.isupper() else "SMALL"
        name = unicodedata.name(ch).rsplit(" ", 1)[-1]
        return unicodedata.lookup(f"MATHEMATICAL BOLD {kind} {name}")

    return "".join(bold(ch) for ch in _arg(node, l2tobj, 0))


def _binomial(node: Any, l2tobj: Any) -> str:
    return f"({_arg(node, l2tobj, 0)} choose {_arg(node, l2tobj, 1)})"


def _arrow(node: Any, l2tobj: Any) -> str:
    """``\\xrightarrow{a\\to 0}``: an arrow with its condition as a subscript."""
    label = _scripted(_arg(node, l2tobj, 1), _SUBSCRIPTS, "_", _nodes(_argument(node, 1)))
    return f" →{label} "


def _cells(node: Any, l2tobj: Any) -> list[list[str]]:
    """The cells of a ``cases`` or matrix environment: rows split at ``\\\\``, cells at ``&``."""
    walker = _walker()
    rows: list[list[list[Any]]] = [[[]]]
    for child in node.nodelist:
        if child.isNodeType(walker.LatexMacroNode) and child.macroname == "\\":
            rows.append([[]])
        elif child.isNodeType(walker.LatexSpecialsNode) and child.specials_chars == "&":
            rows[-1].append([])
        else:
            rows[-1][-1].append(child)
    return [
        [str(l2tobj.nodelist_to_text(cell)).strip() for cell in row] for row in rows if any(row)
    ]


def _cases(node: Any, l2tobj: Any) -> str:
    """``{a if p ≤ n; b if p ≥ n}``: one line, for a terminal."""
    parts = []
    for value, *conditions in _cells(node, l2tobj):
        condition = " ".join(conditions).strip().removeprefix("if ").strip()
        if condition and condition != "otherwise":
            condition = f"if {condition}"
        parts.append(f"{value} {condition}".strip())
    return "{" + "; ".join(parts) + "}"


def _matrix(left: str, right: str) -> Any:
    def render(node: Any, l2tobj: Any) -> str:
        return left + "; ".join(", ".join(row) for row in _cells(node, l2tobj)) + right

    return render


@functools.cache
def _converter() -> tuple[Any, Any]:
    """pylatexenc's parser context and text converter, taught the catalog's mathematics."""
    from pylatexenc import latex2text, latexwalker
    from pylatexenc.latex2text import EnvironmentTextSpec, MacroTextSpec, SpecialsTextSpec
    from pylatexenc.macrospec import MacroSpec, MacroStandardArgsParser, SpecialsSpec

    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "physml-math",
        prepend=True,
        macros=[
            *(MacroSpec(name, "{{") for name in ("tfrac", "dfrac", "binom")),
            MacroSpec("operatorname", "*{"),
            *(MacroSpec(name, "{") for name in ("left", "right", "widehat", "overline")),
        ],
        # pylatexenc 2 reads ^ and _ as plain characters unless told they take an argument
        specials=[SpecialsSpec(mark, args_parser=MacroStandardArgsParser("{")) for mark in "^_"],
    )

    text_db = latex2text.get_default_latex_context_db()
    relations = {name: text_db.get_macro_spec(name).simplify_repl for name in _RELATIONS}
    relations.update(_MORE_RELATIONS)
    text_db.add_context_category(
        "physml-math",
        prepend=True,
        macros=[
            *(MacroTextSpec(name, simplify_repl=_fraction) for name in ("frac", "tfrac", "dfrac")),
            MacroTextSpec("binom", simplify_repl=_binomial),
            MacroTextSpec("sqrt", simplify_repl=_sqrt),
            MacroTextSpec("operatorname", simplify_repl=_operatorname),
            *(MacroTextSpec(name, simplify_repl=_named(name)) for name in _OPERATORS),
            *(MacroTextSpec(name, simplify_repl=_big(symbol)) for name, symbol in _BIG.items()),
            *(MacroTextSpec(name, simplify_repl=f" {sign} ") for name, sign in relations.items()),
            *(MacroTextSpec(name, simplify_repl=text) for name, text in _SPACING.items()),
            *(MacroTextSpec(name, discard=True) for name in _SILENT),
            MacroTextSpec("|", simplify_repl="‖"),
            MacroTextSpec("colon", simplify_repl=": "),
            MacroTextSpec("left", simplify_repl=_delimiter),
            MacroTextSpec("right", simplify_repl=_delimiter),
            MacroTextSpec("overline", simplify_repl=_combining("\N{COMBINING OVERLINE}")),
            MacroTextSpec("bar", simplify_repl=_combining("\N{COMBINING OVERLINE}")),
            MacroTextSpec("widehat", simplify_repl=_combining("\N{COMBINING CIRCUMFLEX ACCENT}")),
            MacroTextSpec("mathbf", simplify_repl=_bold),
            MacroTextSpec("xrightarrow", simplify_repl=_arrow),
        ],
        environments=[
            EnvironmentTextSpec("cases", simplify_repl=_cases),
            EnvironmentTextSpec("pmatrix", simplify_repl=_matrix("(", ")")),
            EnvironmentTextSpec("bmatrix", simplify_repl=_matrix("[", "]")),
            EnvironmentTextSpec("matrix", simplify_repl=_matrix("(", ")")),
        ],
        specials=[
            SpecialsTextSpec("^", simplify_repl=_script(_SUPERSCRIPTS, "^")),
            SpecialsTextSpec("_", simplify_repl=_script(_SUBSCRIPTS, "_")),
            SpecialsTextSpec("''", simplify_repl="″"),
            SpecialsTextSpec("~", simplify_repl=" "),
        ],
    )

    class MathText(latex2text.LatexNodes2Text):  # type: ignore[misc]
        """The space after a macro name only ends the name (\\beta E is βE), so it is dropped,
        unless an operator follows (\\mu = m is μ = m); other spaces are kept as written."""

        def macro_node_to_text(self, node: Any) -> str:
            text = str(super().macro_node_to_text(node))
            return text + " " if _spaced_operator_next(node) else text

    converter = MathText(latex_context=text_db, math_mode="text", strict_latex_spaces="macros")
    return walker_db, converter


_GLUE = set(" ,;:.!?=+-−<>≤≥≠≈|‖'′″^_" + _CLOSERS + _CLAUSE + _GAP)
_GLUE |= set(_SUPERSCRIPTS.values()) | set(_SUBSCRIPTS.values())


def _tidy(text: str) -> str:
    """Settle the spacing: gaps where marked, none inside brackets, three between clauses."""
    text = "".join(
        ("" if i + 1 == len(text) or text[i + 1] in _GLUE else " ") if ch == _GAP else ch
        for i, ch in enumerate(text)
    )
    text = re.sub(r"\s+", " ", text)
    text = re.sub(rf"([{re.escape(_OPENERS)}]) ", r"\1", text)
    text = re.sub(rf" ([{re.escape(_CLOSERS)},;])", r"\1", text)
    text = re.sub(rf" ?{_CLAUSE}[ {_CLAUSE}]*", "   ", text)
    return text.strip()


def to_unicode(latex: str) -> str:
    """A LaTeX formula as one line of Unicode text, e.g. ``F = -kT log Z`` for a terminal."""
    walker = _walker()
    walker_db, converter = _converter()
    try:
        nodes = walker.LatexWalker(
            latex, latex_context=walker_db, tolerant_parsing=True
        ).get_latex_nodes()[0]
        text = converter.nodelist_to_text(nodes)
    except walker.LatexWalkerError:
        return latex  # the LaTeX itself is still the best reading of a formula we cannot parse
    return _tidy(str(text))


def to_mathml(latex: str) -> str:
    """A LaTeX formula as a MathML ``<math>`` element (needs ``pip install 'physml[html]'``)."""
    try:
        from latex2mathml.converter import convert
    except ImportError:
        from physml.cli import UsageError

        raise UsageError(
            "MathML needs latex2mathml, from the html extra: pip install 'physml[html]'"
        ) from None
    return str(convert(latex))
