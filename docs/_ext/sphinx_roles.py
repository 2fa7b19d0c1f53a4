"""A griffe extension for the API reference: Sphinx roles in docstrings become cross-references.

The docstrings name other objects as Sphinx does (``:class:`~gamesolve.finite.MatrixGame```,
``:func:`solve```). Markdown has no roles, so each becomes an optional mkdocs-autorefs reference
to the object's canonical path, titled as Sphinx would title it (the last component after ``~``):
a link where the reference renders the object, plain code elsewhere, and never a warning.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj):`(~?)([^`]+)`")


def _canonical(obj: griffe.Object, target: str) -> str:
    """The canonical path of ``target`` as named in ``obj``'s docstring (``target`` itself when unknown)."""
    head, _, rest = target.partition(".")
    try:
        path = target if head == obj.package.name else obj.resolve(head) + (f".{rest}" if rest else "")
        return obj.modules_collection.get_member(path).canonical_path
    except (griffe.GriffeError, KeyError, ValueError):
        return target


def _rewrite(obj: griffe.Object) -> None:
    if obj.docstring is not None:
        def link(match: re.Match) -> str:
            target = match[2].removesuffix("()")
            title = match[2].rsplit(".", 1)[-1] if match[1] else match[2]
            return f'<autoref identifier="{_canonical(obj, target)}" optional><code>{title}</code></autoref>'

        obj.docstring.value = ROLE.sub(link, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _rewrite(member)


class SphinxRoles(griffe.Extension):
    """Rewrites the Sphinx roles of every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _rewrite(pkg)
