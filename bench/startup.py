"""Start-up of the command-line tools (issue 17): the wall time of each command's `--help` and of an option error
(min and median of `--reps` fresh processes), which heavy packages the `--help` path imports, and the
`python -X importtime` totals of importing each jetatag module (and torch / fastai for reference), and the end-to-end
time of preprocessing `--clips` ten-second mp3 clips (22.05 kHz mono, MTAT layout) with `jetatag-preprocess --workers 2`
against the reference loop (a fresh `python` process running `librosa.load(path, sr=16000)` + `np.save` per file),
start-up included, interleaved, in one run.
Goals: `--help` of every command under 0.5 s; `jetatag-preprocess --workers 2` at least 1.5x the reference loop.

    python bench/startup.py --reps 5              # 400 clips (about 3 min on 2 idle cores, most of it making the mp3s)
    python bench/startup.py --clips 0             # start-up only

The installed console scripts are run when they are on the PATH next to this Python (`jetatag-train`, ...),
otherwise `python -c "from <module> import <entry point>; <entry point>()"`, which is what they do.
Timings depend on the machine's load: the load average is printed at the start and the end.
"""
import argparse, os, re, statistics, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import cpu_model   # (stdlib only: this script imports no jetatag module itself)

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {'jetatag-train': ('jetatag.cli', 'train_cli'), 'jetatag-eval': ('jetatag.cli', 'eval_cli'),
            'jetatag-predict': ('jetatag.cli', 'predict_cli'), 'jetatag-preprocess': ('jetatag.cli', 'preprocess_cli'),
            'jetatag-search': ('jetatag.cli', 'search_cli')} # pyproject.toml [project.scripts]
MODULES = ['jetatag', 'jetatag.core', 'jetatag.cli', 'jetatag.datasets', 'jetatag.retrieval', 'jetatag.tensor',
           'jetatag.data', 'jetatag.learner', 'torch', 'fastai.data.all'] # the last two for reference
HEAVY = ('torch', 'torchaudio', 'fastai', 'sklearn', 'matplotlib', 'pandas')

def command(name):
    "The argv that runs console script `name`"
    exe = Path(sys.executable).parent/name
    if exe.exists(): return [str(exe)]
    mod, fn = COMMANDS[name]
    return [sys.executable, '-c', f'from {mod} import {fn}; {fn}()']

def env():
    e = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    e.setdefault('OMP_NUM_THREADS', '1')
    return e

def wall(argv, reps):
    "(min, median) seconds of `reps` runs of `argv`, and the last run's (return code, stderr)"
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        r = subprocess.run(argv, capture_output=True, text=True, env=env(), cwd=ROOT)
        ts.append(time.perf_counter() - t0)
    return min(ts), statistics.median(ts), r.returncode, r.stderr

def heavy_loaded(name, argv_tail):
    "The heavy packages in sys.modules after the entry point of `name` handled `argv_tail` (it exits with SystemExit)"
    mod, fn = COMMANDS[name]
    code = (f"import sys; sys.argv = ['{name}'] + {argv_tail!r}\nfrom {mod} import {fn}\ntry: {fn}()\nexcept SystemExit: pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}), file=sys.__stderr__)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env(), cwd=ROOT)
    return r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '?'

_re_it = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)')

def _top_imports(code):
    "[(cumulative seconds, package)] of the imports `python -X importtime -c code` makes at the top level, or the error"
    r = subprocess.run([sys.executable, '-X', 'importtime', '-c', code], capture_output=True, text=True, env=env(), cwd=ROOT)
    if r.returncode: raise RuntimeError(r.stderr.strip().splitlines()[-1])
    return [(int(m.group(2))/1e6, m.group(4), len(m.group(3)), int(m.group(1))/1e6) for l in r.stderr.splitlines() if (m := _re_it.match(l))]

def importtime(module, startup=frozenset()):
    "(total seconds, [(cumulative seconds, top-level package)] largest first) of `import module`, without the interpreter's `startup` modules"
    try: rows = _top_imports(f'import {module}')
    except RuntimeError as e: return None, [(0., str(e))]
    # one space after the bar: imported by the -c code itself (the total); by package: the modules' own (self) times
    total = sum(t for t, n, d, _ in rows if d == 1 and n not in startup)
    parts = {}
    for _, n, _, own in rows:
        if n not in startup: parts[n.split('.')[0]] = parts.get(n.split('.')[0], 0) + own
    return total, sorted(((t, n) for n, t in parts.items()), reverse=True)

REFERENCE_LOOP = """
import sys, numpy as np, librosa
from pathlib import Path
out = Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
for f in sorted(Path(sys.argv[1]).rglob('*.mp3')):
    x, _ = librosa.load(f, sr=16000)
    np.save(out/(f.stem + '.npy'), x)
"""

def make_mtat(root, n, unique=40, seconds=10.0, sr=22050):
    "`n` mp3 clips of `seconds` in MTAT layout under `root/mtat` (`unique` distinct synthetic clips, the rest byte copies)"
    import shutil, numpy as np, soundfile as sf
    sys.path.insert(0, str(ROOT))
    from jetatag.datasets import synth_clip   # (in the parent only: the timed commands are fresh processes)
    mt = Path(root)/'mtat'; rows = ['"clip_id"\t"a"\t"b"\t"mp3_path"\n']
    for i in range(n):
        rel = f"{'0123456789abcdef'[i % 16]}/clip-{i:04d}.mp3"; f = mt/'mp3'/rel; f.parent.mkdir(parents=True, exist_ok=True)
        if i < unique:
            x, _ = synth_clip(i, seed=1, duration=seconds, sr=sr)
            sf.write(f, x, sr, format='MP3')
        else: shutil.copyfile(mt/'mp3'/f"{'0123456789abcdef'[(i % unique) % 16]}/clip-{i % unique:04d}.mp3", f)
        rows.append(f'"{i}"\t"{i % 2}"\t"{1 - i % 2}"\t"{rel}"\n')
    (mt/'annotations_final.csv').write_text(''.join(rows))
    return mt

def preprocess_e2e(n, reps):
    "Wall seconds (median of `reps`, interleaved) of the whole `jetatag-preprocess --workers 2` command and of the reference loop"
    import shutil, tempfile
    tmp = Path(tempfile.mkdtemp(prefix='jetatag_startup_'))
    try:
        t0 = time.perf_counter(); mt = make_mtat(tmp, n)
        print(f"made {n} mp3 clips of 10 s (22.05 kHz mono, MTAT layout) in {time.perf_counter() - t0:.0f} s", flush=True)
        runs = {'jetatag-preprocess --workers 2': lambda k: command('jetatag-preprocess') + [
                    '--dataset', 'mtat', '--data_path', str(tmp), '--out', str(tmp/f'cache{k}'), '--workers', '2', '--no-progress'],
                'reference loop (librosa.load + np.save, one process)': lambda k: [
                    sys.executable, '-c', REFERENCE_LOOP, str(mt/'mp3'), str(tmp/f'ref{k}')]}
        ts = {name: [] for name in runs}
        for k in range(reps + 1):   # the first round warms the page cache and is not counted
            for name, argv in runs.items():
                t0 = time.perf_counter()
                r = subprocess.run(argv(k), capture_output=True, text=True, env=env(), cwd=ROOT)
                if r.returncode: raise RuntimeError(f"{name} failed: {r.stderr.strip()[-500:]}")
                if k: ts[name].append(time.perf_counter() - t0)
                for d in (tmp/f'cache{k}', tmp/f'ref{k}'): shutil.rmtree(d, ignore_errors=True)
        (jn, jt), (rn, rt) = ts.items()
        j, ref = statistics.median(jt), statistics.median(rt)
        print(f"{jn:55s} median {j:6.2f} s  runs {[round(t, 2) for t in jt]}")
        print(f"{rn:55s} median {ref:6.2f} s  runs {[round(t, 2) for t in rt]}")
        print(f"end to end, {n} clips: jetatag {ref / j:.2f}x the reference loop (goal: at least 1.5x)")
    finally: shutil.rmtree(tmp, ignore_errors=True)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--reps', type=int, default=5, help='fresh processes per measurement (min and median reported)')
    p.add_argument('--clips', type=int, default=400, help='ten-second mp3 clips for the end-to-end preprocessing comparison (0: skip it)')
    a = p.parse_args()
    la = os.getloadavg()
    print(f"== startup\nmachine: {cpu_model()} ({os.cpu_count()} visible), Python {sys.version.split()[0]}\n"
          f"load average at start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}", flush=True)
    base = wall([sys.executable, '-c', 'pass'], a.reps)
    print(f"\npython -c pass: min {base[0]:.3f} s, median {base[1]:.3f} s (the interpreter's own start-up)\n")
    print(f"{'command':20s} {'--help min':>10s} {'median':>8s} {'bad option min':>14s} {'median':>8s}  heavy packages after --help")
    worst = 0.
    for name in COMMANDS:
        h = wall(command(name) + ['--help'], a.reps)
        e = wall(command(name) + ['--no-such-option'], a.reps)
        ok = h[2] == 0 and e[2] == 2
        worst = max(worst, h[1])
        print(f"{name:20s} {h[0]:9.3f}s {h[1]:7.3f}s {e[0]:13.3f}s {e[1]:7.3f}s  {heavy_loaded(name, ['--help'])}"
              + ('' if ok else f"  (unexpected exit status: --help {h[2]}, bad option {e[2]}: {e[3].strip()[-200:]})"), flush=True)
    print(f"\nslowest median --help: {worst:.3f} s (goal: under 0.5 s)\n")
    print(f"python -X importtime -c 'import <module>' (total; the four packages that take longest, their modules' own time):")
    startup = frozenset(n for _, n, _, _ in _top_imports('pass'))
    for m in MODULES:
        tot, top = importtime(m, startup)
        if tot is None: print(f"  {m:20s} failed: {top[0][1]}"); continue
        print(f"  {m:20s} {tot:6.3f} s   " + ', '.join(f"{n} {t:.3f}" for t, n in top[:4]), flush=True)
    if a.clips:
        print(f"\nend-to-end preprocessing ({a.clips} clips, start-up included, {max(1, a.reps // 2)} interleaved rounds after a warm-up one):")
        preprocess_e2e(a.clips, max(1, a.reps // 2))
    la = os.getloadavg()
    print(f"\nload average at end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")

if __name__ == '__main__': main()
