"""The simulated lobstr.io: a world of squids and runs behind real HTTP on loopback.

Used by the tests, the benchmarks and ``lobstr-tui --demo``; never imports Textual.
"""

from lobstr_tui.sim.clock import SimClock
from lobstr_tui.sim.faults import FaultPlan, FaultRule, FaultSpecError, parse_spec
from lobstr_tui.sim.scenarios import SCENARIOS, build
from lobstr_tui.sim.server import DEFAULT_TOKEN, SimServer
from lobstr_tui.sim.world import World

__all__ = [
    "DEFAULT_TOKEN",
    "SCENARIOS",
    "FaultPlan",
    "FaultRule",
    "FaultSpecError",
    "SimClock",
    "SimServer",
    "World",
    "build",
    "parse_spec",
]
