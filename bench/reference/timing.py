"""Timing shared by the reference benchmarks: the same protocol as nashost's benchmark
binaries (warm-up, then per-step wall time with a device sync; peak memory = the CUDA
caching allocator's peak of allocated bytes on a GPU, the process's peak RSS on the CPU)."""
import resource
import time

import torch


def time_steps(step, steps, warmup, cuda):
    """Runs `step` warmup + steps times; returns (sorted milliseconds of the timed steps, peak MiB)."""
    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    ms = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize()
        ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ms, peak


def count_aten_ops(step):
    """ATen ops (nested ones included) dispatched by one call of `step`, as nashost's
    benchmarks count them: a machine-independent figure for launch-bound steps."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    return sum(1 for e in prof.events() if e.name.startswith("aten::"))
