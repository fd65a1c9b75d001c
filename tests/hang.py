"""How long a test waits on a child process (sheetnet, LibreOffice, Chromium, pdflatex) before it
calls it hung.

It is no measure of speed: a busy machine runs a step many times slower than an idle one, and a hang
never ends, so the wait is long enough that only a hang reaches it. Speed is measured in `bench/`.
"""

HANG = 600  # seconds: 10 minutes, over 20× the slowest test of the suite on an idle machine (26 s)
