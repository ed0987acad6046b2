"""User-typed 2-D functions such as ``x**2 + 10*y**2``, parsed safely and differentiated exactly.

Nothing here ever runs user text: no ``eval``/``exec``/``compile``, no sympy, no numexpr. The text is
checked for length and bracket depth, parsed by ``ast.parse(mode="eval")`` and walked against an
allow-list (numbers, ``x``, ``y``, ``pi``, ``e``, ``+ - * / **``, unary ``±`` and calls to ``FUNCTIONS``)
into a small tree of tuples. That tree is compiled to straight-line code (``compile_trees``: equal subtrees
shared, constants folded) and run in float64 NumPy under ``np.errstate(all="ignore")``, so ``9**9**9**9`` is
inf at once (Python's int power, which could run for hours, is never used).

The gradient is the tree's exact symbolic derivative (sum, product, quotient, power and chain rules),
compiled the same way; central differences are the fallback only where the derivative cannot be built (an
unsupported construct, or a derivative too large to evaluate quickly: ``MAX_GRADIENT_OPS``). The Surface's
``note`` says which was used. Building a surface makes at most ``WORK_BUDGET`` ufunc calls (tested).

Tree nodes: ``("num", float64)``, ``("x",)``, ``("y",)``, ``("neg", a)``, ``(op, a, b)`` with op in
``+ - * / **``, ``("call", name, a)``.
"""
from __future__ import annotations

import ast
import warnings
from typing import NamedTuple

import numpy as np

from .surface import Surface

MAX_LENGTH = 300
MAX_BRACKET_DEPTH = 20
MAX_NODES = 200
MAX_DEPTH = 40
MAX_DERIVATIVE_NODES = 2000
# Work budget: one surface evaluates the gradient program about NEWTON_STEPS + 2 times (each on a batch of
# points, which costs about the same as one point) and f a few times on grids. At ~1–2 µs per ufunc call,
# MAX_GRADIENT_OPS bounds from_expression at ~50 ms; a larger exact gradient falls back to central differences.
MAX_GRADIENT_OPS = 600
NEWTON_STEPS = 25
WORK_BUDGET = 20_000  # ufunc calls in one from_expression, all programs' runs counted (see the tests)
DEFAULT_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))
BOUND_LIMIT = 1e6

FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "tanh": np.tanh, "abs": np.abs, "sinh": np.sinh, "cosh": np.cosh, "arctan": np.arctan,
}
_INTERNAL = {**FUNCTIONS, "sign": np.sign}  # sign only appears in derivatives (d|a| = sign(a) da)
CONSTANTS = {"pi": np.pi, "e": np.e}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_BAD_OPERATORS = {
    ast.BitXor: "'^' is not a power here; write powers as x**2", ast.Mod: "'%' is not allowed",
    ast.FloorDiv: "'//' is not allowed; use /", ast.MatMult: "'@' is not allowed",
    ast.BitAnd: "'&' is not allowed", ast.BitOr: "'|' is not allowed",
    ast.LShift: "'<<' is not allowed", ast.RShift: "'>>' is not allowed",
    ast.Invert: "'~' is not allowed", ast.Not: "'not' is not allowed",
}
_BAD_NODES = {
    ast.Attribute: "attribute access", ast.Lambda: "lambda functions", ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Subscript: "subscripts ([...])", ast.Slice: "slices", ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings", ast.NamedExpr: "assignments (:=)", ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'", ast.IfExp: "conditional expressions (if/else)", ast.List: "lists",
    ast.Tuple: "tuples (is there a stray comma?)", ast.Set: "sets", ast.Dict: "dicts",
    ast.Starred: "starred arguments", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}
_SAME_WIDTH = str.maketrans({"−": "-", "×": "*", "\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " "})

_ZERO, _ONE, _TWO = ("num", np.float64(0.0)), ("num", np.float64(1.0)), ("num", np.float64(2.0))
_X, _Y = ("x",), ("y",)


# ---------------------------------------------------------------- parsing and validation

def parse(text: str):
    """Validate ``text`` and return its expression tree; ``ValueError`` says what is wrong and where."""
    if not isinstance(text, str):
        raise ValueError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the expression is too long ({len(text)} characters; at most {MAX_LENGTH})")
    text = text.translate(_SAME_WIDTH)
    if not text.strip():
        raise ValueError("the expression is empty; type a function of x and y, e.g. x**2 + 10*y**2")
    _check_brackets(text)
    indent = len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():  # e.g. "1if x else 2" warns about the literal; we reject or accept it anyway
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        col = indent + (err.offset or 1)
        raise ValueError(f"syntax error at column {col}: {err.msg}") from None
    except (ValueError, MemoryError, RecursionError) as err:  # e.g. a NUL character
        raise ValueError(f"the expression cannot be parsed: {err}") from None
    n_nodes = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if n_nodes > MAX_NODES:
        raise ValueError(f"the expression has too many parts ({n_nodes}; at most {MAX_NODES})")
    return _Converter(text.strip(), indent).convert(tree.body, 0)


def _check_brackets(text: str) -> None:
    """Reject unbalanced or deeply nested brackets before the parser sees them."""
    pairs, opened = {")": "(", "]": "[", "}": "{"}, []
    for i, ch in enumerate(text):
        if ch in "([{":
            opened.append((ch, i))
            if len(opened) > MAX_BRACKET_DEPTH:
                raise ValueError(f"brackets nested too deeply at column {i + 1} (at most {MAX_BRACKET_DEPTH} levels)")
        elif ch in pairs:
            if not opened or opened[-1][0] != pairs[ch]:
                raise ValueError(f"unmatched '{ch}' at column {i + 1}")
            opened.pop()
    if opened:
        ch, i = opened[-1]
        raise ValueError(f"unclosed '{ch}' at column {i + 1}")


class _Converter:
    def __init__(self, text: str, indent: int):
        self.text, self.indent = text, indent

    def where(self, node: ast.AST) -> str:
        return self.column(getattr(node, "col_offset", 0))

    def column(self, offset: int) -> str:
        # ast offsets count UTF-8 bytes; report characters, 1-based, in the user's text.
        col = len(self.text.encode()[:offset].decode(errors="ignore"))
        return f"column {self.indent + col + 1}"

    def attribute(self, node: ast.Attribute) -> ValueError:
        at = self.column(node.value.end_col_offset or 0)
        return ValueError(f"attribute access is not allowed ('.{node.attr}' at {at})")

    def snippet(self, node: ast.AST, limit: int = 30) -> str:
        s = ast.get_source_segment(self.text, node) or type(node).__name__
        return s if len(s) <= limit else s[: limit - 1] + "…"

    def convert(self, node: ast.AST, depth: int):
        if depth > MAX_DEPTH:
            raise ValueError(f"the expression is nested too deeply at {self.where(node)} (at most {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            if node.id in ("x", "y"):
                return (node.id,)
            if node.id in CONSTANTS:
                return ("num", np.float64(CONSTANTS[node.id]))
            hint = " (a function needs brackets: sin(x))" if node.id in FUNCTIONS else ""
            raise ValueError(f"unknown name '{self.snippet(node)}' at {self.where(node)}; use x, y, pi, e{hint}")
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return ("neg", self.convert(node.operand, depth + 1))
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, depth + 1)
            raise ValueError(f"{_BAD_OPERATORS[type(node.op)]} (at {self.where(node)})")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise ValueError(f"{_BAD_OPERATORS[type(node.op)]} (in '{self.snippet(node)}' at {self.where(node)})")
            return (op, self.convert(node.left, depth + 1), self.convert(node.right, depth + 1))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            raise self.attribute(node)
        what = _BAD_NODES.get(type(node), f"'{type(node).__name__}' expressions")
        raise ValueError(f"{what} are not allowed ('{self.snippet(node)}' at {self.where(node)})")

    def number(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise ValueError(f"'{value}' is not allowed at {self.where(node)}; use numbers, x, y, pi, e")
        if isinstance(value, (str, bytes)):
            raise ValueError(f"strings are not allowed ('{self.snippet(node)}' at {self.where(node)})")
        if isinstance(value, complex):
            raise ValueError(f"complex numbers are not allowed ('{self.snippet(node)}' at {self.where(node)})")
        try:
            return ("num", np.float64(value))
        except OverflowError:
            raise ValueError(f"the number at {self.where(node)} is too large for float64") from None

    def call(self, node: ast.Call, depth: int):
        allowed = ", ".join(FUNCTIONS)
        if isinstance(node.func, ast.Attribute):
            raise self.attribute(node.func)
        if not isinstance(node.func, ast.Name):
            raise ValueError(f"calls are limited to {allowed} ('{self.snippet(node.func)}' at {self.where(node)})")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ValueError(f"calls are limited to {allowed}; '{name}' at {self.where(node)} is not one of them")
        if node.keywords:
            kw = node.keywords[0]
            label = f"{kw.arg}=" if kw.arg else "**"
            raise ValueError(f"keyword arguments are not allowed ('{label}' in {name}() at {self.where(node)})")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ValueError(f"starred arguments are not allowed ('{self.snippet(arg)}' at {self.where(arg)})")
        if len(node.args) != 1:
            raise ValueError(f"{name}() takes exactly one argument, got {len(node.args)} (at {self.where(node)})")
        return ("call", name, self.convert(node.args[0], depth + 1))


# ---------------------------------------------------------------- evaluation

_UNARY = {"neg": np.negative, **_INTERNAL}
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}


class Program(NamedTuple):
    """Trees compiled to straight-line code. Slot 0 holds x, slot 1 y, then the constants, then one slot per
    instruction in ``code``: ``(ufunc, a, b)`` applies ufunc to slots a (and b; b = −1 for a unary one).
    Structurally equal subtrees, across all the roots, share one instruction; constant subtrees are folded."""
    constants: tuple
    code: tuple
    outputs: tuple  # the slot holding each root's value

    @property
    def ops(self) -> int:
        """Ufunc calls per evaluation: the work measure of one call."""
        return len(self.code)


def compile_trees(*roots) -> Program:
    """``roots`` as one Program (hash-consed, constants folded), evaluated without recursion."""
    constants, code = [], []
    by_key: dict = {("x",): ("v", 0), ("y",): ("v", 1)}
    by_id: dict = {}
    keep = []  # the nodes whose ids are memoised stay alive while compiling
    expanded = set()  # a shared subtree is expanded once, however many parents push it

    def const(value) -> tuple:
        key = ("num", np.float64(value).tobytes())  # bytes: -0.0 and 0.0 differ, NaN equals itself
        if key not in by_key:
            by_key[key] = ("c", len(constants))
            constants.append(np.float64(value))
        return by_key[key]

    def ref_value(ref):
        return constants[ref[1]] if ref[0] == "c" else None

    stack = [(r, False) for r in roots]
    while stack:
        node, ready = stack.pop()
        if id(node) in by_id:
            continue
        kind = node[0]
        if kind in ("x", "y"):
            by_id[id(node)] = by_key[(kind,)]
            keep.append(node)
            continue
        if kind == "num":
            by_id[id(node)] = const(node[1])
            keep.append(node)
            continue
        children = node[2:] if kind == "call" else node[1:]
        if not ready:
            if id(node) in expanded:
                continue
            expanded.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in by_id)
            continue
        fn = _UNARY[node[1] if kind == "call" else kind] if len(children) == 1 else _BINARY[kind]
        args = tuple(by_id[id(c)] for c in children)
        if all(a[0] == "c" for a in args):  # a constant subtree: computed once, here
            with np.errstate(all="ignore"):
                ref = const(fn(*(ref_value(a) for a in args)))
        else:
            key = (fn.__name__, *args)
            if key not in by_key:
                by_key[key] = ("i", len(code))
                code.append((fn, *args))
            ref = by_key[key]
        by_id[id(node)] = ref
        keep.append(node)
    base = 2 + len(constants)

    def slot(ref) -> int:
        return ref[1] if ref[0] == "v" else 2 + ref[1] if ref[0] == "c" else base + ref[1]

    return Program(tuple(constants),
                   tuple((fn, slot(a), slot(b[0]) if b else -1) for fn, a, *b in code),
                   tuple(slot(by_id[id(r)]) for r in roots))


def run(program: Program, x, y) -> list:
    """The values of ``program``'s roots at arrays ``x``, ``y`` (float64; call under ``np.errstate``)."""
    vals = [x, y, *program.constants]
    append = vals.append
    for fn, a, b in program.code:
        append(fn(vals[a]) if b < 0 else fn(vals[a], vals[b]))
    return [vals[k] for k in program.outputs]


def evaluate(node, x, y):
    """The value of tree ``node`` at arrays ``x``, ``y`` in float64 (for notebooks; surfaces compile once)."""
    with np.errstate(all="ignore"):
        return run(compile_trees(node), np.asarray(x, float), np.asarray(y, float))[0]


def to_text(node) -> str:
    """Fully bracketed text of a tree (for notes and debugging; never parsed back by eval)."""
    kind = node[0]
    if kind == "num":
        return repr(float(node[1]))
    if kind in ("x", "y"):
        return kind
    if kind == "neg":
        return f"(-{to_text(node[1])})"
    if kind == "call":
        return f"{node[1]}({to_text(node[2])})"
    return f"({to_text(node[1])} {kind} {to_text(node[2])})"


# ---------------------------------------------------------------- symbolic derivative

class _NoDerivative(Exception):
    pass


def _is(node, value: float) -> bool:
    return node[0] == "num" and node[1] == value


def _add(a, b):
    return b if _is(a, 0) else a if _is(b, 0) else ("+", a, b)


def _sub(a, b):
    return a if _is(b, 0) else _neg(b) if _is(a, 0) else ("-", a, b)


def _mul(a, b):
    if _is(a, 0) or _is(b, 0):
        return _ZERO
    return b if _is(a, 1) else a if _is(b, 1) else ("*", a, b)


def _div(a, b):
    return _ZERO if _is(a, 0) else a if _is(b, 1) else ("/", a, b)


def _neg(a):
    return _ZERO if _is(a, 0) else a[1] if a[0] == "neg" else ("neg", a)


def _call(name, a):
    return ("call", name, a)


def _depends(node, memo: dict) -> bool:
    key = id(node)
    if key not in memo:
        kind = node[0]
        if kind in ("x", "y"):
            memo[key] = True
        elif kind == "num":
            memo[key] = False
        else:
            memo[key] = any(_depends(child, memo) for child in node[1:] if isinstance(child, tuple))
    return memo[key]


def _chain_factor(name: str, node, a):
    """d name(a) / da, reusing ``node`` (= name(a)) where the derivative contains it."""
    if name == "sin":
        return _call("cos", a)
    if name == "cos":
        return _neg(_call("sin", a))
    if name == "tan":
        return _add(_ONE, ("**", node, _TWO))
    if name == "exp":
        return node
    if name == "log":
        return _div(_ONE, a)
    if name == "sqrt":
        return _div(_ONE, _mul(_TWO, node))
    if name == "tanh":
        return _sub(_ONE, ("**", node, _TWO))
    if name == "abs":
        return _call("sign", a)
    if name == "sinh":
        return _call("cosh", a)
    if name == "cosh":
        return _call("sinh", a)
    if name == "arctan":
        return _div(_ONE, _add(_ONE, ("**", a, _TWO)))
    raise _NoDerivative(name)


def derivative(node, var: str):
    """The symbolic derivative d node / d var (``var`` is "x" or "y") as another tree."""
    memo, dep = {}, {}

    def d(n):
        key = id(n)
        if key in memo:
            return memo[key][1]
        kind = n[0]
        if kind == "num":
            out = _ZERO
        elif kind in ("x", "y"):
            out = _ONE if kind == var else _ZERO
        elif kind == "neg":
            out = _neg(d(n[1]))
        elif kind == "call":
            out = _mul(_chain_factor(n[1], n, n[2]), d(n[2]))
        else:
            a, b = n[1], n[2]
            da, db = d(a), d(b)
            if kind == "+":
                out = _add(da, db)
            elif kind == "-":
                out = _sub(da, db)
            elif kind == "*":
                out = _add(_mul(da, b), _mul(a, db))
            elif kind == "/":
                out = _div(_sub(_mul(da, b), _mul(a, db)), ("**", b, _TWO))
            elif kind == "**":
                out = _power_rule(n, a, b, da, db, dep)
            else:
                raise _NoDerivative(kind)
        memo[key] = (n, out)
        return out

    return d(node)


def _power_rule(n, a, b, da, db, dep):
    if not _depends(b, dep):  # a**c: c a**(c-1) a'
        return _mul(_mul(b, ("**", a, _sub(b, _ONE))), da)
    if not _depends(a, dep):  # c**b: c**b log(c) b'
        return _mul(_mul(n, _call("log", a)), db)
    # a**b = exp(b log a): a**b (b' log a + b a'/a)
    return _mul(n, _add(_mul(db, _call("log", a)), _div(_mul(b, da), a)))


def count_nodes(node) -> int:
    """Distinct nodes of a tree whose subtrees may be shared."""
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            stack.extend(child for child in n[1:] if isinstance(child, tuple))
    return len(seen)


# ---------------------------------------------------------------- the Surface

def _check_bounds(bounds):
    if bounds is None:
        return DEFAULT_BOUNDS
    try:
        b = np.asarray(bounds, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("bounds must be ((x_min, x_max), (y_min, y_max)) of numbers") from None
    if b.shape != (2, 2):
        raise ValueError("bounds must be ((x_min, x_max), (y_min, y_max)) of numbers")
    if not np.isfinite(b).all() or (np.abs(b) > BOUND_LIMIT).any():
        raise ValueError(f"bounds must be finite numbers within ±{BOUND_LIMIT:g}")
    for axis, (lo, hi) in zip("xy", b):
        if not lo < hi:
            raise ValueError(f"the {axis} range needs min < max (got {lo:g} to {hi:g})")
    return tuple((float(lo), float(hi)) for lo, hi in b)


def _make_f(tree):
    program = compile_trees(tree)

    def f(x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        with np.errstate(all="ignore"):
            return run(program, x, y)[0] + np.zeros(np.broadcast_shapes(x.shape, y.shape))
    f.program = program
    return f


def _make_symbolic_grad(dx, dy, program: Program | None = None):
    program = program or compile_trees(dx, dy)  # one program: dx and dy share subtrees (e.g. exp(...) itself)

    def grad(x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        zeros = np.zeros(np.broadcast_shapes(x.shape, y.shape))
        with np.errstate(all="ignore"):
            gx, gy = run(program, x, y)
            return gx + zeros, gy + zeros
    grad.program = program
    return grad


def _make_numeric_grad(f, bounds):
    """Central differences (f(x + h) − f(x − h))/2h, the four shifted points in one evaluation of f."""
    hx, hy = (1e-6 * (hi - lo) for lo, hi in bounds)

    def grad(x, y):
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        with np.errstate(all="ignore"):
            fx_p, fx_m, fy_p, fy_m = f(np.stack([x + hx, x - hx, x, x]), np.stack([y, y, y + hy, y - hy]))
            return (fx_p - fx_m) / (2 * hx), (fy_p - fy_m) / (2 * hy)
    grad.program = f.program
    return grad


def _grad_hessian(grad, p, h):
    """The gradient at points ``p`` (n, 2) and the central-difference Hessian H[:, i, j] = d g_i / d x_j,
    from ONE gradient call on the five stencils (a call costs the same whatever its length, up to thousands)."""
    shifts = np.array([[0.0, 0.0], [h[0], 0.0], [-h[0], 0.0], [0.0, h[1]], [0.0, -h[1]]])
    q = (p[None] + shifts[:, None]).reshape(-1, 2)
    G = np.stack(grad(q[:, 0], q[:, 1]), axis=-1).reshape(5, len(p), 2)
    return G[0], np.stack([(G[1] - G[2]) / (2 * h[0]), (G[3] - G[4]) / (2 * h[1])], axis=2)


def _find_minima(f, grad, bounds, n: int = 61, newton_steps: int = NEWTON_STEPS) -> np.ndarray:
    """Local minima found cheaply: strict minima of a coarse grid refined by Newton steps.

    A candidate is kept only if Newton converges inside the bounds to a point with a tiny gradient
    and a positive definite (finite-difference) Hessian; otherwise nothing is claimed.
    """
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):
        Z = f(X, Y)
        Zf = np.where(np.isfinite(Z), Z, np.inf)
        c = Zf[1:-1, 1:-1]
        is_min = np.isfinite(c)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    is_min &= c < Zf[1 + di: n - 1 + di, 1 + dj: n - 1 + dj]
        ii, jj = np.nonzero(is_min)
        if ii.size == 0:
            return np.zeros((0, 2))
        order = np.argsort(c[ii, jj])[:12]
        p = np.stack([X[1:-1, 1:-1][ii, jj][order], Y[1:-1, 1:-1][ii, jj][order]], axis=1)
        scale = np.array([x1 - x0, y1 - y0])
        h = 1e-5 * scale
        active = np.arange(len(p))  # candidates still moving: a converged one leaves the batch (less work)
        for _ in range(newton_steps):
            g, H = _grad_hessian(grad, p[active], h)
            det = H[:, 0, 0] * H[:, 1, 1] - H[:, 0, 1] * H[:, 1, 0]
            step = np.stack([H[:, 1, 1] * g[:, 0] - H[:, 0, 1] * g[:, 1],
                             H[:, 0, 0] * g[:, 1] - H[:, 1, 0] * g[:, 0]], axis=1) / det[:, None]
            step = np.clip(step, -0.05 * scale, 0.05 * scale)
            step = np.where(np.isfinite(step), step, 0.0)
            p[active] = p[active] - step
            active = active[~np.all(np.abs(step) <= 1e-13 * scale, axis=1)]
            if not active.size:
                break
        g, H = _grad_hessian(grad, p, h)
        finite_h = np.isfinite(H).all(axis=(1, 2))
        eig = np.linalg.eigvalsh(np.where(finite_h[:, None, None], (H + H.transpose(0, 2, 1)) / 2, -1.0))
        gnorm = np.linalg.norm(g * scale, axis=1)
        fscale = np.max(np.abs(c[ii, jj])) + 1.0  # the candidates' values: finite by construction
        ok = (finite_h & np.isfinite(p).all(axis=1) & (gnorm < 1e-6 * fscale) & (eig > 0).all(axis=1)
              & (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1))
    found: list[np.ndarray] = []
    for q in p[ok]:
        if all(np.abs((q - r) / scale).max() > 1e-4 for r in found):
            found.append(q)
    return np.array(found).reshape(-1, 2)


def _check_defined_somewhere(f, bounds, n: int = 15) -> None:
    """``ValueError`` when f is undefined (NaN) or overflows at every point of an n × n grid over ``bounds``:
    the function is at fault, not a learning rate, so say so before anything is run."""
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):
        z = np.asarray(f(X, Y), float) * np.ones_like(X)
    if not np.isfinite(z).any():
        what = "is infinite (it overflows)" if np.isinf(z).all() else "is undefined or infinite"
        raise ValueError(f"f {what} at every point of x ∈ [{x0:g}, {x1:g}], y ∈ [{y0:g}, {y1:g}]: "
                         "nothing to descend; change the function or the range")


def _default_start(f, bounds) -> np.ndarray:
    """Up and left of centre (a symmetric point is often a stationary one); finite f there if possible."""
    (x0, x1), (y0, y1) = bounds
    start = np.array([x0 + 0.2 * (x1 - x0), y0 + 0.75 * (y1 - y0)])
    if np.isfinite(f(start[0], start[1])):
        return start
    X, Y = np.meshgrid(np.linspace(x0, x1, 25)[1:-1], np.linspace(y0, y1, 25)[1:-1])
    ok = np.isfinite(f(X, Y))
    if not ok.any():
        return start
    d = np.where(ok, (X - start[0]) ** 2 + (Y - start[1]) ** 2, np.inf)
    k = np.unravel_index(np.argmin(d), d.shape)
    return np.array([X[k], Y[k]])


def _suggest_lr(grad, bounds, start) -> tuple[float, float]:
    """Learning rates for a lively race: GD-like α = 1/L with L the larger of the curvature at the start
    and the median curvature over a coarse grid (so α L ≤ 1 < 2 at the start: no instant divergence);
    adaptive optimizers step about α per coordinate, so α = 0.5 % of the plot range."""
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 15), np.linspace(y0, y1, 15))
    p = np.concatenate([np.asarray(start, float)[None], np.stack([X.ravel(), Y.ravel()], axis=1)])
    scale = np.array([x1 - x0, y1 - y0])
    with np.errstate(all="ignore"):
        H = _grad_hessian(grad, p, 1e-5 * scale)[1]
        finite = np.isfinite(H).all(axis=(1, 2))
        L = np.abs(np.linalg.eigvalsh(np.where(finite[:, None, None], (H + H.transpose(0, 2, 1)) / 2, 0.0))).max(axis=1)
        curvature = max(L[0] if finite[0] else 0.0, float(np.median(L[finite])) if finite.any() else 0.0)
        gd = float(np.clip(1.0 / curvature, 1e-5, 0.1)) if curvature > 0 else 0.1
    return float(f"{gd:.1g}"), float(f"{0.005 * scale.mean():.1g}")


def from_expression(text: str, bounds=None) -> Surface:
    """A Surface ``f(x, y)`` from user text, e.g. ``(1-x)**2 + 100*(y-x**2)**2``, never eval'd.

    ``bounds`` = ((x_min, x_max), (y_min, y_max)), default ((-3, 3), (-3, 3)). Raises ``ValueError``
    with a one-line message that points at the offending part of the text.
    """
    tree = parse(text)
    bounds = _check_bounds(bounds)
    f = _make_f(tree)
    shown = " ".join(text.translate(_SAME_WIDTH).split())
    _check_defined_somewhere(f, bounds)
    try:
        dx, dy = derivative(tree, "x"), derivative(tree, "y")
        if count_nodes(("+", dx, dy)) > MAX_DERIVATIVE_NODES:  # before compiling: bounds the compile's work
            raise _NoDerivative("derivative too large")
        program = compile_trees(dx, dy)
        if program.ops > MAX_GRADIENT_OPS:
            raise _NoDerivative("derivative too large")
        grad = _make_symbolic_grad(dx, dy, program)
        how = "Gradient: exact (symbolic derivative of your expression)."
    except _NoDerivative as why:
        grad = _make_numeric_grad(f, bounds)
        how = f"Gradient: central differences ({why} has no exact derivative here)."
    minima = _find_minima(f, grad, bounds)
    start = _default_start(f, bounds)
    found = (f" {len(minima)} local minim{'um' if len(minima) == 1 else 'a'} found on a coarse grid."
             if len(minima) else "")
    return Surface(
        "custom", f"f(x, y) = {shown}", f, grad, bounds, minima, start,
        f"Your function f(x, y) = {shown}. {how}{found}", log_colour=False, lr=_suggest_lr(grad, bounds, start),
    )
