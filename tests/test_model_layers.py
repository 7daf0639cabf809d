"""The model holds no engine objects: importing it loads no engine module, and the index lives beside it."""

import subprocess
import sys

from simulator.model import User
from simulator.statistics import build_call_center, index_of


def test_importing_the_model_loads_no_engine_module():
    code = "import sys, simulator.model; print(sorted(m for m in sys.modules if m.startswith('simulator')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "['simulator', 'simulator.instants', 'simulator.model']"


def test_a_call_center_s_index_is_built_once_and_shared_by_its_history():
    agents = [User("a@x.test", "A", "Agent")]
    call_center = build_call_center("cc@x.test", agents)
    index = index_of(call_center)
    assert index.agents == 1
    assert index_of(call_center) is index
    twin = build_call_center("twin@x.test", agents, history=call_center.history)
    assert index_of(twin) is index
    assert not hasattr(call_center, "index")
