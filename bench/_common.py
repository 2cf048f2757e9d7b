"Shared helpers of the bench/ scripts: machine header, thread setting, interleaved timing, memory."
import argparse, os, platform, resource, statistics, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

def parser(desc):
    p = argparse.ArgumentParser(description=desc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's default)")
    p.add_argument('--reps', type=int, default=3, help='interleaved repetitions (median reported)')
    return p

def setup(args):
    import torch
    if args.threads: torch.set_num_threads(args.threads)
    return torch

def cpu_model():
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        d = dict(l.split(':', 1) for l in out.splitlines() if ':' in l)
        return f"{d.get('Model name', '?').strip()}, {d.get('CPU(s)', '?').strip()} CPUs"
    except Exception: return platform.processor() or '?'

def header(name):
    import torch
    la = os.getloadavg()
    print(f"== {name}\nmachine: {cpu_model()} ({os.cpu_count()} visible), {platform.platform()}\n"
          f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"CUDA {'available: ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'not available'}\n"
          f"load average at start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)

def footer():
    la = os.getloadavg()
    print(f"load average at end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)

def timeit(f):
    t0 = time.perf_counter(); f(); return time.perf_counter() - t0

def interleave(fns:dict, reps=3, warmup=True):
    "Run each of `fns` (name -> callable) in turn, `reps` rounds (A, B, A, B, ...); median seconds per name"
    if warmup:
        for f in fns.values(): f()
    ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items(): ts[k].append(timeit(f))
    return {k: statistics.median(v) for k, v in ts.items()}, ts

def cpu_times():
    r = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime

def peak_rss_mb():
    "Peak resident memory (MB) of this process since it started its program"
    # /proc's VmHWM belongs to the address space, which exec replaces; `ru_maxrss` survives fork + exec on Linux, so a
    # benchmark's child process would report the benchmark's own size at the fork whenever that is larger
    try:
        with open('/proc/self/status') as f:
            return next(int(l.split()[1]) for l in f if l.startswith('VmHWM')) / 1024
    except (OSError, StopIteration): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def gpu_note(): print("GPU section: skipped (CUDA not available on this machine)")

VOCAB = [f'tag{i}' for i in range(50)]

def make_cache(root, n_train=32, n_valid=4, seconds=29.1, sr=16000, seed=0):
    "A cache of random float32 clips (MTAT-like: 50 tags, 29.1 s) written with `jetatag.data.write_cache_meta`"
    import numpy as np, pandas as pd
    from jetatag.data import write_cache_meta
    root = Path(root); (root/'npy').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed); rows = []
    n = int(seconds * sr)
    for i in range(n_train + n_valid):
        p = f'npy/{i}.npy'
        if not (root/p).exists(): np.save(root/p, (0.1 * rng.standard_normal(n)).astype(np.float32))
        tags = list(rng.choice(VOCAB, size=3, replace=False))
        rows.append(dict(clip_id=str(i), path=p, duration=seconds, split='train' if i < n_train else 'valid', labels=tags))
    return write_cache_meta(root, pd.DataFrame(rows), dict(dataset='benchsynth', task='multilabel', vocab=VOCAB, sr=sr))

def set_malloc(hold:bool):
    "glibc malloc: `hold=True` is `jetatag.core.hold_freed_memory()`; False restores glibc's steady-state defaults for big blocks (mmap above 32 MB, trim above 64 MB)"
    import ctypes, ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_MMAP_MAX = -1, -3, -4
    if hold: return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1))
    return bool(libc.mallopt(M_MMAP_MAX, 65536)) and bool(libc.mallopt(M_MMAP_THRESHOLD, 32 * 2**20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 64 * 2**20))

def faults_sys():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_minflt, r.ru_stime

MALLOC = {'default': (False,), 'hold': (True,), 'both': (False, True)}  # the --malloc choices: the settings they run
MNAME = {False: 'glibc default', True: 'hold_freed_memory'}

def interleave_malloc(arms:dict, settings=(False, True), reps=3):
    """Run every arm (name -> callable) once per round and malloc setting (`set_malloc`), `reps` rounds after one warm-up
    round per setting: {(hold, name): [(seconds, sys seconds, minor faults), ...]}. An arm returning a number reports its
    own seconds (e.g. a Learner's training phase); otherwise its wall time is taken"""
    res = {(h, k): [] for h in settings for k in arms}
    for h in settings:
        set_malloc(h)
        for f in arms.values(): f()
    for _ in range(reps):
        for h in settings:
            set_malloc(h)
            for k, f in arms.items():
                f0, s0 = faults_sys(); t0 = time.perf_counter(); r = f(); t = time.perf_counter() - t0; f1, s1 = faults_sys()
                res[h, k].append((r if isinstance(r, float) else t, s1 - s0, f1 - f0))
    return res
