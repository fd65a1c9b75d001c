"""An iteration's expressions compiled once into functions, run for every iteration like it.

`net.build_iteration` gives every iteration t ≥ 1 that uses the same samples the same graph, its
keys moved by t: a key of the iteration itself (t) or of the one before (t − 1) moves with t, a key
of the Setup sheet (t = −1) stays. So the expressions of one such iteration, compiled once
(`Expr.compiled`: the very float operations `Expr.value` does, in the same order), compute each of
them: the same numbers as evaluating its own graph, to the last bit, without building it.
(Iteration 0, which reads the Setup sheet where later ones read the iteration before, is a program
of its own.) `CompiledExprs` does the same for expressions evaluated one at a time on values that
change between them (`check` judging a workbook's cells); `moved` gives an expression itself as
another iteration's.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence

from sheetnet.graph import Compiled, Expr, Key, reads_every_key
from sheetnet.net import SETUP  # the iteration of the Setup sheet's keys: they stay where they are

_key = functools.partial(tuple.__new__, Key)  # Key(q, t, s, i) from a tuple, as fast as a tuple


class Program:
    """Expressions of iteration `t`, in calculation order, compiled.

    `keys` are the keys it computes, `reads` those it reads from outside (earlier iterations, the
    Setup sheet, or other quantities of its own iteration); `run(values, u)` computes iteration u's
    values of `keys_at(u)` from `values`, which holds what it reads, moved to u. An expression that
    reads a key of its own iteration computed after it is refused (ValueError), as evaluating the
    graph in order would fail on it.
    """

    def __init__(self, t: int, keys: Sequence[Key], exprs: Sequence[Expr]) -> None:
        if any(key.t != t for key in keys):
            raise ValueError(f"a program computes keys of its iteration {t} only")
        self.t = t
        self.keys = tuple(keys)
        own = {key: j for j, key in enumerate(self.keys)}
        reads: dict[Key, int] = {}
        # the numbers a program's functions read: its own, in calculation order, then those it reads
        n = len(self.keys)
        done = 0

        def slot(key: Key) -> int:
            j = own.get(key)
            if j is None:
                return n + reads.setdefault(key, len(reads))  # placed below, where `run` puts it
            if j >= done:
                raise ValueError(f"{key} is read before it is computed")
            return j

        self.functions: list[Compiled] = []
        for expr in exprs:
            self.functions.append(expr.compiled(slot))
            done += 1
        self.reads = tuple(reads)
        self._read = MovingKeys(self.reads, t)
        self._computed = MovingKeys(self.keys, t)

    def run(self, values: Mapping[Key, float], u: int) -> list[float]:
        """Iteration u's values of `keys_at(u)`, in their order."""
        read = list(map(values.__getitem__, self._read.at(u)))
        n = len(self.functions)
        v = [0.0] * n + read
        for j, function in enumerate(self.functions):
            v[j] = function(v)
        return v[:n]

    def keys_at(self, u: int) -> list[Key]:
        """The keys the program computes, moved to iteration u."""
        return self._computed.at(u)


class MovingKeys:
    """Keys of iteration `t` and the one before, moved to any iteration u (by u − t), and keys of
    the Setup sheet, which stay."""

    def __init__(self, keys: Sequence[Key], t: int) -> None:
        self.q, self.s, self.i = [k.q for k in keys], [k.s for k in keys], [k.i for k in keys]
        self.by = [None if k.t == SETUP else k.t - t for k in keys]
        self.together = all(d == 0 for d in self.by)  # all of them in iteration t itself

    def at(self, u: int) -> list[Key]:
        ts = itertools.repeat(u) if self.together else [SETUP if d is None else u + d for d in self.by]
        return list(map(_key, zip(self.q, ts, self.s, self.i, strict=False)))  # (repeat: endless)


class CompiledExprs:
    """Expressions of iteration `t` (a number's and the other ways of computing it) compiled once,
    each evaluated for any iteration u like it, one at a time on values that change between them.

    `functions[j](Reads(values, self, u))` is expression j's value for iteration u: the same
    number as `moved(expression, u − t).value(values)`, to the last bit, reading the same keys in
    the same order (those it needs only: the branch of an IF taken, no dividend of a divisor 0),
    and failing as it fails where `values` lacks one (KeyError)."""

    def __init__(self, t: int, exprs: Sequence[Expr]) -> None:
        read: dict[Key, int] = {}
        named: list[set[int]] = []  # for each function, the keys it names (their places in `keys`)

        def slot(key: Key) -> int:
            j = read.setdefault(key, len(read))
            named[-1].add(j)
            return j

        self.t = t
        functions = []
        for expr in exprs:
            named.append(set())
            functions.append(expr.compiled(slot))
        self.functions = tuple(functions)
        self.named = tuple(tuple(sorted(js)) for js in named)
        # each key read, its iteration as the number of iterations after t (None: the Setup sheet's)
        self.keys = tuple((k.q, None if k.t == SETUP else k.t - t, k.s, k.i) for k in read)
        # every function reads every one of its keys whatever the numbers (no IF, no division)
        self.reads_all = all(reads_every_key(expr) for expr in exprs)

    def keys_at(self, u: int) -> list[tuple[str, int, int, int]]:
        """The keys the functions read, moved to iteration u (as plain tuples, as `Reads` reads
        them): `functions[j]([values[k] for k in keys_at(u)])` is `functions[j](Reads(values,
        self, u))` where `values` holds every one of them, every key looked up at once."""
        return [(q, SETUP if after is None else u + after, s, i) for q, after, s, i in self.keys]


class Reads:
    """What the functions of `CompiledExprs` read for iteration u: the value in `values` of their
    `j`th key moved to u, looked up when they read it (as a plain tuple: a `Key` is equal to its
    tuple and hashes alike, so no key is made that lives on)."""

    __slots__ = ("keys", "u", "values")

    def __init__(self, values: Mapping[Key, float], compiled: CompiledExprs, u: int) -> None:
        self.values, self.keys, self.u = values, compiled.keys, u

    def key(self, j: int) -> tuple[str, int, int, int]:
        """The `j`th key moved to u, as a tuple."""
        q, after, s, i = self.keys[j]
        return q, SETUP if after is None else self.u + after, s, i

    def __getitem__(self, j: int) -> float:
        q, after, s, i = self.keys[j]  # (as `key`, written out: this is read for every number judged)
        return self.values[(q, SETUP if after is None else self.u + after, s, i)]  # type: ignore[index]


def moved(expr: Expr, by: int) -> Expr:
    """`expr`, of some iteration t, as iteration t + by's: keys of t and t − 1 moved by `by`, those
    of the Setup sheet where they are."""
    return expr if by == 0 else expr.moved(mover(by))


def mover(by: int) -> Callable[[Key], Key]:
    """A key of some iteration t as iteration t + by's (a key of the Setup sheet as itself)."""

    def move(key: Key) -> Key:
        return key if key.t == SETUP else _key((key.q, key.t + by, key.s, key.i))

    return move
