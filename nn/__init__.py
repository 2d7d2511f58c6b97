"""Neural networks made of `autograd.Value`s (being written)."""
