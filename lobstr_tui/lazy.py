"""A package's names, imported from their modules when first used.

The command's first lines need a few small modules (the token, the base URL, the first
reads) to send the first frame's reads at once; a package ``__init__`` that imported all
of its modules made them wait for everything (httpx, the models, the poll loop).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping


def on_demand(package: str, modules: Mapping[str, tuple[str, ...]],
              exported: Iterable[str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: each name of ``modules[m]`` comes from
    ``package.m`` on first use, then stays in the package. ``exported`` (the package's
    ``__all__``) must name exactly those names: a name added to one list and not the
    other fails at import, not at its first use."""
    where = {name: module for module, names in modules.items() for name in names}
    if set(where) != set(exported):
        raise ImportError(f"{package}: __all__ and the names imported on first use "
                          f"differ: {sorted(set(where) ^ set(exported))}")

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
