"""Preprocessing throughput of `jetatag.datasets.preprocess_items` (1 and 2 workers) against the reference way
(`librosa.load(path, sr=16000)` + `np.save`, one process) on the same mp3 files (29 s, 44.1 kHz, stereo, made with
`synth_clip` + soundfile), interleaved: files/s, seconds of audio per second, CPU seconds per file; and the peak
resident memory of preprocessing N and 2N files (each in a fresh process). Goal: >= 3x the reference on 2 workers.

Every method converts N and 2N files in each round; "marginal" is N / (t(2N) - t(N)): the steady-state rate of a
long run (a real dataset has 5,000-100,000 files), free of one-off costs (forking the pool, each worker's first file).
The first `--unique` files are distinct synthetic clips, the rest copies of them under other names (synthesising a
29 s clip costs ~1 s; an mp3 decoder's work does not depend on having seen the same bytes before).

    python bench/preprocess.py --files 48
"""
import json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from _common import parser, setup, header, footer, cpu_times, peak_rss_mb

SECONDS, SR_SRC = 29.0, 44100

def make_mp3s(folder, n, unique=None):
    "n mp3 files in `folder`: `unique` distinct synthetic clips (all n when None), the rest byte copies of them"
    import numpy as np, soundfile as sf
    from jetatag.datasets import synth_clip
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True); out = []
    unique = n if unique is None else max(1, min(unique, n))
    for i in range(n):
        p = folder/f'{i:03d}.mp3'
        if not p.exists():
            if i < unique:
                x, _ = synth_clip(i, seed=1, duration=SECONDS, sr=SR_SRC)
                st = np.stack([x, np.roll(x, 441) * 0.9], 1)
                sf.write(p, st, SR_SRC, format='MP3')
            else: shutil.copyfile(out[i % unique], p)
        out.append(p)
    return out

def items_frame(files):
    import pandas as pd
    return pd.DataFrame(dict(clip_id=[f.stem for f in files], source=[str(f) for f in files],
                             path=[f'npy/{f.stem}.npy' for f in files], split='train', labels=[['a'] for _ in files]))

INFO = dict(dataset='benchmp3', task='multilabel', vocab=['a'])

def reference(files, out):
    import librosa, numpy as np
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    for f in files:
        x, _ = librosa.load(f, sr=16000)
        np.save(out/f'{f.stem}.npy', x)

def jetatag_run(files, out, workers):
    from jetatag.datasets import preprocess_items
    preprocess_items(items_frame(files), out, INFO, workers=workers, progress=False)

def measure(f):
    "wall seconds and CPU seconds (this process + reaped children) of f()"
    c0, t0 = cpu_times(), time.perf_counter()
    f()
    return time.perf_counter() - t0, cpu_times() - c0

def _watch_children(peak:dict, stop):
    "Poll this process's children (/proc) every 20 ms and keep each one's peak resident size (VmHWM, MB)"
    import glob
    while not stop.is_set():
        for f in glob.glob(f'/proc/{os.getpid()}/task/*/children'):
            try: pids = open(f).read().split()
            except OSError: continue
            for pid in pids:
                try: hwm = [l for l in open(f'/proc/{pid}/status') if l.startswith('VmHWM')][0].split()[1]
                except (OSError, IndexError): continue
                peak[pid] = max(peak.get(pid, 0), int(hwm) / 1024)
        stop.wait(0.02)

def mem_run(folder, n, workers):
    "Run in a fresh process: preprocess the first n files; print the peak RSS (MB) of this process and of its largest worker"
    import threading, tempfile
    peak, stop = {}, threading.Event()
    fs = sorted(Path(folder).glob('*.mp3'))[:n]
    t = threading.Thread(target=_watch_children, args=(peak, stop), daemon=True); t.start()
    jetatag_run(fs, tempfile.mkdtemp(), workers)
    stop.set(); t.join()
    print(json.dumps(dict(main=peak_rss_mb(), child=max(peak.values(), default=0.))))

def mem_child(folder, n, workers):
    "peak RSS (MB) of a fresh process preprocessing the first n files (main process, and largest worker process)"
    # (RUSAGE_CHILDREN cannot tell: importing torch already forks a helper whose peak hides the workers')
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import preprocess as p; "
            f"p.mem_run({str(folder)!r}, {n}, {workers})")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    p = parser(__doc__)
    p.add_argument('--files', type=int, default=48, help='N: every method converts N and 2N files per round')
    p.add_argument('--unique', type=int, default=12, help='distinct synthetic clips among the files (the rest are copies)')
    args = p.parse_args()
    setup(args)
    header('bench/preprocess.py')
    tmp = Path(tempfile.mkdtemp(prefix='jetatag_bench_'))
    try:
        t0 = time.perf_counter()
        files = make_mp3s(tmp/'mp3', 2 * args.files, args.unique)
        print(f"made {len(files)} mp3 files ({SECONDS:.0f} s, {SR_SRC} Hz, stereo; {min(args.unique, len(files))} distinct) "
              f"in {time.perf_counter() - t0:.0f} s")
        n = args.files
        methods = {'reference': reference, 'jetatag 1 worker': lambda fs, o: jetatag_run(fs, o, 1),
                   'jetatag 2 workers': lambda fs, o: jetatag_run(fs, o, 2)}
        res = {(k, m): [] for k in methods for m in (n, 2 * n)}
        k_ = 0
        for rep in range(args.reps + 1):  # first round: warm-up (imports, page cache)
            for (k, m) in res:
                o = tmp/f'out{k_}'; k_ += 1
                r = measure(lambda: methods[k](files[:m], o))
                if rep: res[k, m].append(r)
                shutil.rmtree(o, ignore_errors=True)
        import statistics
        med = {km: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for km, v in res.items()}
        rate = {k: dict(whole=2 * n / med[k, 2 * n][0], marginal=n / max(med[k, 2 * n][0] - med[k, n][0], 1e-9),
                        cpu=med[k, 2 * n][1] / (2 * n)) for k in methods}
        ref = rate['reference']
        print(f"files/s: 'whole' = {2 * n} files in one run (one-off costs included), 'marginal' = steady state "
              f"N / (t(2N) - t(N)); CPU s/file over the {2 * n}-file run, worker processes included")
        for k, r in rate.items():
            print(f"{k:18s} whole {r['whole']:6.2f} files/s ({r['whole'] * SECONDS:5.0f} s of audio/s)  marginal {r['marginal']:6.2f} files/s"
                  f"  CPU {r['cpu']:.3f} s/file | vs reference: whole {r['whole'] / ref['whole']:.2f}x, marginal "
                  f"{r['marginal'] / ref['marginal']:.2f}x, CPU/file {ref['cpu'] / r['cpu']:.2f}x"
                  f"\n{'':18s} runs {n} files {[round(w_, 2) for w_, _ in res[k, n]]} s, {2 * n} files {[round(w_, 2) for w_, _ in res[k, 2 * n]]} s")
        two = rate['jetatag 2 workers']
        sw, sm = two['whole'] / ref['whole'], two['marginal'] / ref['marginal']
        la = os.getloadavg()[0]
        print(f"goal >= 3x the reference on 2 workers (steady state): {'holds' if sm >= 3 else 'FAILS'} ({sm:.2f}x marginal; "
              f"{sw:.2f}x for a whole {2 * n}-file run){'' if la < 1.5 else f'  [load {la:.1f}: 2 workers do not get 2 free cores]'}")
        for w in (1, 2):
            a, b = mem_child(tmp/'mp3', n, w), mem_child(tmp/'mp3', 2 * n, w)
            kids = lambda r: f" / largest worker {r['child']:.0f} MB" if w > 1 else ''
            print(f"peak RSS, {w} worker(s): {n} files main {a['main']:.0f} MB{kids(a)}; "
                  f"{2 * n} files main {b['main']:.0f} MB{kids(b)}  "
                  f"({'flat' if all(b[k] <= 1.1 * a[k] + 5 for k in ('main', 'child')) else 'GROWS'})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    footer()

if __name__ == '__main__': main()
