"""How each benchmark here prints its targets: the goal, this run's figure,
and whether this run reached it.

A target is what the project aims for on the 2-core machine the figures in
README.md come from; a run on a loaded or different machine can miss one
that a quiet run meets, so the verdict is about this run only.
"""


def print_targets(subject, targets, width=42):
    """`targets`: rows of (what, goal such as '>= 4x', this run's figure as text, whether it was reached)."""
    print(f'targets for {subject} (the goal, this run\'s figure, whether this run reached it):')
    for what, goal, measured, met in targets:
        print(f'  {what:<{width}}{"target " + goal:<25}{measured:>9}   {"met" if met else "not met this run"}')
