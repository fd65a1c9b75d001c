"""Network files more than one test module trains: each test writes its own header (layers,
activations, η, what it varies) above a shared body."""

from __future__ import annotations

# a 2-3-2 network's starting numbers and three samples, none of them 0, ±1 or 2 where it matters
INIT_2_3_2 = """[init]
W1 = [[0.4, -0.6], [0.9, 0.2], [-0.3, 0.5]]
B1 = [0.1, -0.2, 0.05]
W2 = [[0.7, -0.5, 0.3], [-0.4, 0.6, 0.8]]
B2 = [0.2, -0.1]

[[samples]]
x = [1.0, 0.5]
y = [1.0, 0.0]

[[samples]]
x = [-0.5, 2.0]
y = [0.0, 1.0]

[[samples]]
x = [1.5, -1.0]
y = [0.3, 0.6]
"""
