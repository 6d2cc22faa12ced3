"""Griffe extension: turn the docstrings' Sphinx roles into cross-references for mkdocstrings.

tszoo's numpy-style docstrings name other objects as ``:func:`prepare_splits```,
``:class:`~tszoo.data.windows.WindowArray```. mkdocstrings does not read Sphinx roles, so
this extension rewrites each one, when the package is loaded, into an autorefs reference:

- a name that resolves inside tszoo (relative names are resolved in the docstring's own
  scope, imports included, else to the one tszoo object of that name) links to its entry
  when the API reference renders it, and is shown as code otherwise (private helpers are
  not rendered);
- a name outside tszoo (``numpy.ndarray``), or an attribute that griffe
  cannot see (set by ``fit``, as ``:attr:`inputs_```, or by tuple assignment), is shown
  as code;
- a tszoo name that resolves to nothing (a typo, a renamed function) is a warning, which
  ``mkdocs build --strict`` turns into a failed build.

``~`` shows only the last part of the name, as in Sphinx.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(func|class|mod|meth|attr|data|exc|obj):`(~?)([\w.]+)(\(\))?`")
_log = logging.getLogger("mkdocs.plugins.tszoo.sphinx_roles")


def _member(root: griffe.Object, path: str) -> griffe.Object | None:
    obj: Any = root
    for part in path.split(".")[1:]:
        members = getattr(obj, "all_members", None) or obj.members
        if part not in members:
            return None
        obj = members[part]
    return obj


def _scope(obj: griffe.Object, head: str) -> str | None:
    """Resolve ``head`` in the scope of ``obj`` and its parents, as Python would see it."""
    for scope in (obj, obj.parent):
        if scope is None:
            continue
        try:
            return scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError, KeyError):
            continue
    return None


def _target(obj: griffe.Object, root: griffe.Module, name: str, role: str, index) -> str | None:
    """The full path of ``name`` as seen from ``obj``; "" for a name outside tszoo; None when
    tszoo has no such object."""
    module = obj if obj.is_module else obj.module
    if name.startswith("."):  # Sphinx's relative module name: .layers
        name = f"{module.path}{name}"
    head, _, rest = name.partition(".")
    if head == root.name:
        full = name
    elif (found := _scope(obj, head)) is not None:
        full = f"{found}.{rest}" if rest else found
    elif len(index.get(head, ())) == 1:  # a tszoo object this module does not import
        (found,) = index[head]
        full = f"{found}.{rest}" if rest else found
    elif importlib.util.find_spec(head) is not None:
        return ""  # numpy.ndarray, sklearn.svm.SVC: shown as code
    elif role == "attr" and not rest:
        return ""  # an attribute set by fit (inputs_): no object to link to
    else:
        return None
    if full.split(".")[0] != root.name:
        return ""
    if _member(root, full) is not None:
        return full
    owner = full.rpartition(".")[0]
    if role == "attr" and _member(root, owner) is not None:
        return ""  # self.a, self.b = ... in __init__: an attribute griffe does not see
    return None


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`name``` in every docstring of the package into an autorefs reference."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        objects = list(_objects(pkg))
        index: dict[str, set[str]] = {}
        for obj in objects:
            index.setdefault(obj.name, set()).add(obj.path)
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = self._rewrite(obj, pkg, obj.docstring.value, index)

    def _rewrite(self, obj: griffe.Object, root: griffe.Module, text: str, index) -> str:
        def replace(match: re.Match) -> str:
            role, short, name = match.group(1), match.group(2), match.group(3)
            call = match.group(4) or ""
            title = (name.rsplit(".", 1)[-1] if short else name) + call
            full = _target(obj, root, name, role, index)
            if full is None:
                where = f"{obj.filepath}:{obj.docstring.lineno}" if obj.docstring else obj.path
                _log.warning(
                    "%s: docstring of %s names %r, which does not exist", where, obj.path, name
                )
                return f"`{title}`"
            if not full:
                return f"`{title}`"
            return f'<autoref identifier="{full}" optional><code>{title}</code></autoref>'

        return ROLE.sub(replace, text)


def _objects(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)
