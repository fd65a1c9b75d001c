"""The head every HTML page sheetnet writes starts with: what wrote it, and a Content-Security-Policy
that forbids scripts and anything fetched, so a page read from anywhere runs nothing and calls no one."""

from __future__ import annotations

from html import escape

from sheetnet import __version__

POLICY = "default-src 'none'; style-src 'unsafe-inline'"  # inline styles only: no script, nothing fetched


def head(mark: str, title: str) -> list[str]:
    """The page's first lines, up to its title: the writer's mark (`mark` and the version), the
    policy, the viewport. The caller adds its style and closes the head."""
    return [
        "<!DOCTYPE html>",
        f"<!-- {mark} {__version__} -->",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="sheetnet {__version__}">',
        f"<title>{escape(title)}</title>",
    ]
