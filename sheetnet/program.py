"""An iteration's expressions compiled once into one Python function, run for every iteration like it.

`net.build_iteration` gives every iteration t ≥ 1 that uses the same samples the same graph, its
keys moved by t: a key of the iteration itself (t) or of the one before (t − 1) moves with t, a key
of the Setup sheet (t = −1) stays. So the expressions of one such iteration, rendered as Python
source (`Expr.python`: the very float operations `Expr.value` does, in the same order) and compiled
once, compute each of them: the same numbers as evaluating its own graph, to the last bit, without
building it. (Iteration 0, which reads the Setup sheet where later ones read the iteration before,
is a program of its own.)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from sheetnet.graph import PYTHON, Expr, Key

SETUP = -1  # the iteration of the Setup sheet's keys (`net.SETUP`): they stay where they are

_key = functools.partial(tuple.__new__, Key)  # Key(q, t, s, i) from a tuple, as fast as a tuple


class Program:
    """Expressions of iteration `t`, in calculation order, compiled into one function.

    `reads` are the keys it reads from outside (earlier iterations, the Setup sheet, or other
    quantities of its own iteration), `keys` the keys it computes; `run(values, u)` computes
    iteration u's values of those keys from `values`, which holds what it reads, moved to u.
    """

    def __init__(self, t: int, keys: Sequence[Key], exprs: Sequence[Expr]) -> None:
        if any(key.t != t for key in keys):
            raise ValueError(f"a program computes keys of its iteration {t} only")
        self.t = t
        self.keys = tuple(keys)
        own = {key: j for j, key in enumerate(self.keys)}
        reads: dict[Key, int] = {}

        def name(key: Key) -> str:
            j = own.get(key)
            return f"v{j}" if j is not None else f"r{reads.setdefault(key, len(reads))}"

        lines = [f"    v{j} = {expr.python(name)}" for j, expr in enumerate(exprs)]
        self.reads = tuple(reads)
        unpack = [f"    {''.join(f'r{j}, ' for j in range(len(reads)))}= r"] if reads else []
        done = f"    return [{', '.join(f'v{j}' for j in range(len(self.keys)))}]"
        source = "\n".join(["def iteration(r):", *unpack, *lines, done])
        namespace: dict[str, object] = dict(PYTHON)
        exec(compile(source, f"<iteration {t}>", "exec"), namespace)  # sheetnet's own source, from its own expressions
        self.function = namespace["iteration"]
        self._reads = tuple((k.q, k.t - t, k.s, k.i) if k.t != SETUP else None for k in self.reads)

    def run(self, values: Mapping[Key, float], u: int) -> list[float]:
        """Iteration u's values of `keys_at(u)`, in their order."""
        if u == self.t:
            read = [values[k] for k in self.reads]
        else:
            moved = zip(self.reads, self._reads, strict=True)
            read = [values[k if r is None else _key((r[0], r[1] + u, r[2], r[3]))] for k, r in moved]
        return self.function(read)  # type: ignore[operator]

    def keys_at(self, u: int) -> list[Key]:
        """The keys the program computes, moved to iteration u."""
        return moved(self.keys, u)


def moved(keys: Sequence[Key], u: int) -> list[Key]:
    """Keys of one iteration, moved to iteration u."""
    return [_key((q, u, s, i)) for q, _, s, i in keys]
