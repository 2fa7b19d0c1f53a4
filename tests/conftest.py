import torch
from hypothesis import settings

torch.set_num_threads(1)

# Property tests draw the same examples on every run, so CI is reproducible; explore new ones with
# `python -m pytest --hypothesis-profile=explore` (a random seed each run) and pin what it finds with @example.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("default")
