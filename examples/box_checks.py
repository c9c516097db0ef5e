"""Clearance of one ego box to many agents, with numpy and (if installed) torch.

    python examples/box_checks.py
"""

import numpy as np

import trajcore

rng = np.random.default_rng(0)
agents = np.column_stack(
    [
        rng.uniform(-40, 40, 200),  # x
        rng.uniform(-8, 8, 200),  # y
        rng.normal(0, 0.1, 200),  # yaw
        rng.uniform(4, 12, 200),  # length
        rng.uniform(1.8, 2.5, 200),  # width
    ]
).astype(np.float32)
ego = np.array([0, 0, 0, 4.8, 1.95], dtype=np.float32)

gaps = trajcore.box_distance(ego, agents)
print(f"{trajcore.box_overlap(ego, agents).sum()} agents overlap the ego")
print(f"nearest agent {gaps.argmin()} at {gaps.min():+.2f} m")

try:
    import torch
except ImportError:
    pass
else:
    t = torch.from_numpy(agents)
    print("torch result:", type(trajcore.box_distance(t, torch.from_numpy(ego))).__name__)
