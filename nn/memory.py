"""How much memory a training run needs, and how much the machine has.

`fit` and `python -m nn train` call `check_fits(function, estimate(...))`
before building anything, so that a run too large for the machine is
refused with the numbers (TooLargeError) instead of failing with a
MemoryError some steps in, or being killed by the system.

`estimate` counts the nodes of a step from the layer sizes (no graph is
built); `available_memory` reads what the system reports: Linux's
/proc/meminfo, lowered by a container's cgroup limit (v2 or v1).
"""

import os
from dataclasses import dataclass


# Peak memory per unit, measured with tracemalloc on MLPs of 5 to 91,501
# parameters and batches of 1 to 100 points, then rounded up (the growth of
# the resident set agrees within 15%). A node of an eager step (its Value,
# float, parents tuple and backward's ordering): 180-285 bytes. A node of a
# traced step, which `fit` replays and keeps for the whole run beside the
# graph it was recorded from: 420-625 bytes (620-675 of resident memory).
# A parameter (a Value and its dotted name): 190-230. A point of a
# generated dataset: 210-330.
BYTES_PER_NODE = 350
BYTES_PER_TRACED_NODE = 800
BYTES_PER_PARAMETER = 250
BYTES_PER_POINT = 350


class TooLargeError(ValueError):
    """A run that cannot fit in memory; `estimate` holds its Estimate."""

    def __init__(self, message, estimate):
        super().__init__(message)
        self.estimate = estimate


@dataclass(frozen=True)
class Estimate:
    """The size of a run: parameters, graph nodes per point and per step,
    and the memory the run needs at its peak, in bytes."""

    parameters: int
    nodes_per_point: int
    nodes_per_step: int
    bytes: int

    def __str__(self):
        return (f'{self.parameters:,} parameters, {self.nodes_per_step:,} nodes per step, '
                f'about {_size(self.bytes)} of memory')


def estimate(sizes, batch, points=0, traced=False):
    """The work of training an MLP whose layer sizes are `sizes` (inputs
    first: [2, 16, 16, 1]) on batches of `batch` points, with `points`
    points still to be generated (0 if the data exists already); `traced`
    if `fit` will replay a traced step (see `nn.train.replays`), which holds more
    memory per node than an eager one.

    Counted, not allocated, so a size of 10**30 costs nothing: a neuron with
    n inputs makes 2n + 1 nodes (n products, n sums, the activation); a loss
    at most 3K + 5 per point for K outputs; the L2 penalty 3 per parameter.
    """
    parameters = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    forward = sum((2 * n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    per_point = forward + 3 * sizes[-1] + 5
    per_step = batch * per_point + 3 * parameters
    per_node = BYTES_PER_TRACED_NODE if traced else BYTES_PER_NODE
    memory = per_step * per_node + parameters * BYTES_PER_PARAMETER + points * BYTES_PER_POINT
    return Estimate(parameters, per_point, per_step, memory)


def check_fits(function, work, available=None):
    """`work` (an Estimate) if it fits in `available` bytes (default: what
    `available_memory` reports; nothing is checked when it reports nothing),
    else TooLargeError with the numbers. The message starts with `function`
    (None for none)."""
    if available is None:
        available = available_memory()
    if available is None or work.bytes <= available:
        return work
    raise TooLargeError(
        f'{function + ": " if function else ""}this run needs about {_size(work.bytes)} of memory '
        f'but {_size(available)} is available: {work.nodes_per_step:,} nodes per step '
        f'({work.nodes_per_point:,} per point) and {work.parameters:,} parameters', work)


def available_memory():
    """The bytes this process may still allocate, as the system reports them,
    or None where it reports nothing: Linux's MemAvailable (elsewhere, the
    machine's physical memory), lowered by a container's memory limit."""
    found = []
    meminfo = _fields('/proc/meminfo')
    if 'MemAvailable' in meminfo:
        found.append(meminfo['MemAvailable'] * 1024)  # /proc/meminfo counts in KiB
    else:
        try:  # macOS and the other Unixes: all the memory there is
            found.append(os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE'))
        except (AttributeError, ValueError, OSError):  # no sysconf (Windows), or no such name
            pass
    for cgroup in _cgroups():
        room = _cgroup_room(*cgroup)
        if room is not None:
            found.append(room)
            break
    return min(found) if found else None


def _cgroups():
    """Where this process's memory limit may be: (folder, limit file, usage
    file, the memory.stat field of reclaimable cache), cgroup v2 then v1."""
    own = '/'
    try:
        with open('/proc/self/cgroup') as file:
            for line in file:
                if line.startswith('0::'):  # v2: '0::/the/group'
                    own = line[3:].strip() or '/'
    except OSError:
        pass
    return [(os.path.join('/sys/fs/cgroup', own.lstrip('/')), 'memory.max', 'memory.current', 'inactive_file'),
            ('/sys/fs/cgroup/memory', 'memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file')]


def _cgroup_room(folder, limit_name, usage_name, cache_field):
    """A cgroup's limit less what it uses, not counting file cache that the
    kernel reclaims before it kills (as `docker stats` counts); None if
    `folder` has no limit ('max' in v2; v1 writes a huge number, which the
    caller's min ignores)."""
    limit = _number_in(os.path.join(folder, limit_name))
    used = _number_in(os.path.join(folder, usage_name))
    if limit is None or used is None:
        return None
    cache = _fields(os.path.join(folder, 'memory.stat')).get(cache_field, 0)
    return max(0, limit - max(0, used - cache))


def _number_in(path):
    try:
        with open(path) as file:
            return int(file.read())
    except (OSError, ValueError):
        return None


def _fields(path):
    """The 'name value' (or 'name: value unit') lines of a /proc or cgroup
    file as a dict of ints; {} if it cannot be read."""
    fields = {}
    try:
        with open(path) as file:
            for line in file:
                parts = line.replace(':', ' ').split()
                if len(parts) >= 2 and parts[1].isdigit():
                    fields[parts[0]] = int(parts[1])
    except OSError:
        pass
    return fields


def _size(count):
    for unit, scale in (('TB', 1e12), ('GB', 1e9), ('MB', 1e6)):
        if count >= scale:
            return f'{count / scale:.1f} {unit}'
    return f'{count / 1e3:.0f} KB'

