"""The playground benchmark's parts still run against the library as it is.

The benchmark is not run by the suite (its figures need a quiet machine),
so a renamed function could break it unnoticed; this runs each timed part
once, and checks each row is a name with a positive time.
"""

import importlib.util
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / 'benchmarks' / 'playground.py'


def test_every_part_of_the_playground_benchmark_runs():
    spec = importlib.util.spec_from_file_location('playground_benchmark', BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.parts(1)
    assert len(rows) >= 10
    for name, seconds in rows:
        assert isinstance(name, str) and name and seconds > 0, (name, seconds)
