"""Finding what a script names: a run by its id or a unique prefix of it, a squid by its
id or its name, the squid list. Every request goes through :class:`Polite`."""

from __future__ import annotations

from functools import partial

from lobstr_tui.api import NotFoundError, Run, Squid
from lobstr_tui.api.paging import PageWalk
from lobstr_tui.monitor.derive.events import short_id
from lobstr_tui.script.polite import Polite

MIN_PREFIX = 6
FULL_ID = 32
"""lobstr.io's ids are 32 hex characters."""
PREFIX_RUNS = 50
"""How many of each squid's newest runs a prefix is looked for among."""


class NotFound(Exception):
    """What was named does not exist, or is ambiguous; the message says which."""


async def all_squids(polite: Polite, *, name: str | None = None) -> list[Squid]:
    """Every squid (every page), or those whose name contains ``name``."""
    client = polite.client
    walk: PageWalk[Squid] = PageWalk()
    number: int | None = 1
    while number is not None:
        page = await polite.call("squids", partial(client.squids_page, page=number,
                                                   limit=100, name=name))
        number = walk.add(page)
    return list(walk.items)


async def squid_named(polite: Polite, text: str) -> Squid:
    """The squid whose id is ``text``, else whose name is ``text`` (any case), else the
    only one whose name contains it."""
    wanted = text.strip()
    if not wanted:
        raise NotFound("the squid's name or id is empty")
    by_name = await all_squids(polite, name=wanted)
    for squid in by_name:
        if squid.id == wanted:
            return squid
    exact = [s for s in by_name if s.name.casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    matches = exact or by_name
    if len(matches) == 1:
        return matches[0]
    if not matches:
        try:
            return await polite.call("squids", lambda: polite.client.squid(wanted))
        except NotFoundError:
            raise NotFound(f"no squid is named or has the id {wanted!r}") from None
    names = ", ".join(repr(s.name) for s in matches[:5])
    raise NotFound(f"{len(matches)} squids match {wanted!r} ({names}"
                   f"{', ...' if len(matches) > 5 else ''}): give its id or its full name")


async def run_by_id(polite: Polite, text: str) -> Run:
    """The run whose id is ``text``, or the run whose id starts with it (at least
    :data:`MIN_PREFIX` characters) among each squid's newest runs, the squids whose last
    run is the most recent first. The first squid holding a match ends the search: two
    runs sharing 6 hex characters in two squids are one chance in millions, and reading
    every squid's runs of a large account would take many minutes of the budget."""
    wanted = text.strip().lower()
    if len(wanted) < MIN_PREFIX:
        raise NotFound(f"give the run's id, or at least {MIN_PREFIX} of its first "
                       f"characters (got {text.strip()!r})")
    try:
        return await polite.call("runs", lambda: polite.client.run(wanted))
    except NotFoundError:
        if len(wanted) >= FULL_ID:
            raise NotFound(f"no run has the id {wanted!r}") from None
    ran = [s for s in await all_squids(polite) if s.last_run_at is not None or s.total_runs]
    ran.sort(key=lambda s: s.last_run_at.timestamp() if s.last_run_at else 0.0, reverse=True)
    for squid in ran:
        page = await polite.call("runs", partial(polite.client.runs_page, squid.id,
                                                 limit=PREFIX_RUNS))
        found = [run for run in page.items if run.id.startswith(wanted)]
        if len(found) > 1:
            shown = ", ".join(short_id(run.id) + "…" for run in found)
            raise NotFound(f"{wanted!r} starts more than one run's id ({shown}): give "
                           "more characters")
        if found:
            return found[0]
    raise NotFound(f"no run's id starts with {wanted!r} (among each squid's "
                   f"{PREFIX_RUNS} newest runs)")
