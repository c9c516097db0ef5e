"""Run by tests/test_prediction_training.py under torchrun with two CPU processes: one short
training, then the ranks compare their parameters (DistributedDataParallel keeps them equal)."""

import os
import sys

import torch

from trajcore.models import PredictorConfig
from trajcore.models.training import TrainConfig, train

data, out = sys.argv[1], sys.argv[2]
torch.distributed.init_process_group("gloo")  # joined here: the ranks compare weights after train
config = TrainConfig(epochs=1, batch=2, stride=10, model=PredictorConfig(hidden=16))
result = train(data, out, config)
flat = torch.cat([p.detach().flatten() for p in result["net"].parameters()])
gathered = [torch.zeros_like(flat) for _ in range(2)]
torch.distributed.all_gather(gathered, flat)
assert result["world_size"] == 2
assert torch.equal(gathered[0], gathered[1]), "ranks diverged"
if torch.distributed.get_rank() == 0:
    print("ddp ok", flat.numel(), result["history"])
torch.distributed.barrier()
torch.distributed.destroy_process_group()
# Leave without the interpreter's teardown: under load, gloo's threads were seen to abort one
# rank ("terminate called without an active exception") after all of the above had passed.
sys.stdout.flush()
os._exit(0)
