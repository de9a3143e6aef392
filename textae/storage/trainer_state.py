"""The optimiser and RNG state of a resumable checkpoint, as safetensors plus JSON (never a pickle).

Optimiser state dicts hold tensors, numbers, lists and int-keyed dicts: tensors go to safetensors, the
rest to JSON, with dict keys kept as [key, value] pairs so that ints stay ints.
"""

from __future__ import annotations

import torch


def flatten(obj, key: str, tensors: dict[str, torch.Tensor]):
    """The JSON tree of `obj`; its tensors are added to `tensors` under keys that the tree names."""
    if isinstance(obj, torch.Tensor):
        tensors[key] = obj.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[k, flatten(v, f"{key}.{k}", tensors)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [flatten(v, f"{key}.{i}", tensors) for i, v in enumerate(obj)]
    return obj


def unflatten(obj, tensors: dict[str, torch.Tensor]):
    """The object that `flatten` took apart, from its JSON tree and tensors."""
    if isinstance(obj, dict) and "__tensor__" in obj:
        return tensors[obj["__tensor__"]]
    if isinstance(obj, dict) and "__dict__" in obj:
        return {k: unflatten(v, tensors) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [unflatten(v, tensors) for v in obj]
    return obj
