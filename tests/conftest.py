"""Shared test settings.

Under CI (the environment variable CI is set, as `.ci/run` is run) hypothesis
is derandomized: the same examples every run, so a submission's result does
not depend on luck. Locally each run draws new examples, which is how the
property tests keep finding new inputs.
"""

import os

from hypothesis import settings

settings.register_profile('ci', derandomize=True, deadline=None, print_blob=True)
if os.environ.get('CI'):
    settings.load_profile('ci')
