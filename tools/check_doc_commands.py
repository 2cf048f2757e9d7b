#!/usr/bin/env python
"""Run the shell commands of the docs pages as a reader would copy them, on a fresh clone.

Usage: python tools/check_doc_commands.py [--keep] [--list] [--pages nbs/index.ipynb ...]

What it does, in order:
1. `git clone` of this repository at HEAD into a temporary folder (the pages are read from there: commit a page to check
   it), with HOME set to a fresh temporary folder too (so `~/.jetatag/data` starts empty, as for a new user, and the
   real cache is never touched).
2. From the markdown cells of nbs/index.ipynb, nbs/method.ipynb and nbs/tutorials/*.ipynb it takes the ```sh, ```bash
   and ```shell code blocks, in page order, and splits each into commands (a line, plus its `\\` continuation lines).
3. Each command is either run or skipped by the explicit rules in SKIP below (the first that matches gives the
   reason). Every skipped command is printed with its reason: nothing is skipped silently. A page author can also put
   `# docs-test: skip (reason)` in a block: the whole block is skipped with that reason.
4. The runnable commands of one page run in one bash process (`set -e` per command), in the clone's root, so that a
   page's later commands see what its earlier ones wrote (jetatag-train, then jetatag-predict --model runs/..., then
   jetatag-search). The environment's installed `jetatag-*` commands are used (no install step).
5. The only changes made to a command, so that CI stays fast, are to `jetatag-train` lines: `--isTest true` is appended
   (jetatag-train's own option: "check that everything runs: one short epoch per phase"), and `--seeds 0,1,2` keeps its
   first two seeds (`--seeds 0,1`: still the multi-seed path, mean ± std and the paired difference, at 2/3 of the
   cost; each seed of `--compare` is two trainings). Paths, other options and file names are exactly as on the page.
   The pages share one clone and one HOME, in the order index, method, tutorials (as a reader who follows the site:
   the retrieval tutorial's `runs/synth-HC-je/` is the one the quick start trained).
6. Files a page asks the reader to bring (FIXTURES: `song.mp3`, `clip.wav`, a tagged folder `my_audio/` with its
   `tags.csv`, `~/music`, ...) are written before that page runs, as short generated tones and noise, and listed.

It prints, for each block, the page, its commands and PASS / FAIL / SKIP (with the last lines of output on failure),
then "doc commands: N passed, M failed, K skipped", and exits 1 if a runnable command failed.
"""
import argparse, json, os, re, shlex, subprocess, sys, tempfile, time, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ['nbs/index.ipynb', 'nbs/method.ipynb', 'nbs/tutorials/*.ipynb']
FENCE = re.compile(r'^```\s*\{?\.?(sh|bash|shell)\}?[^\n]*\n(.*?)^```', re.M | re.S)
MARK = re.compile(r'#\s*docs-test:\s*skip\s*\(?([^)\n]*)\)?')

# (pattern searched in the command, reason): the first match skips the command. Order matters only for the message.
SKIP = [
    (r'^\s*pip\s', 'installs packages (the check uses the environment that is already installed)'),
    (r'^\s*git\s+clone\b', 'clones from GitHub (the check already runs in a fresh clone of HEAD)'),
    (r'^\s*(nbdev[-_]|quarto\b)', "the docs/test tools (CI runs nbdev-test and the docs build in their own steps)"),
    (r'^\s*accelerate\s+launch\b', 'needs several GPUs (a distributed launcher)'),
    (r'--dataset[ =](mtat|dcase|keyword)\b', 'needs the real data set (MTAT / DCASE / Speech Commands download) '
                                            'or the generated sets of tools/make_sets.py (too long for CI)'),
    (r'tools/make_sets\.py', 'generates the large synthetic sets (too long for CI)'),
    (r'\b(tar|unzip)\s|mp3\.zip|annotations_final\.csv|speech_commands', 'a step of a data set download'),
    (r'^\s*mkdir\s+-p\s+~/\.jetatag/data/(mtat|dcase|keyword)', 'a step of a data set download'),
    (r'^\s*python\s+bench/', 'needs the benchmark runs of the three sets (hours)'),
    (r'--gpu[ =]', 'needs a CUDA GPU'),
]

SR = 16000
def _tone(f, sec=3.0, noise=False, seed=0):
    import numpy as np
    t = np.arange(int(sec * SR)) / SR
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(t.size) * 0.3 if noise else 0.5 * np.sin(2 * np.pi * f * t)
    return (x * np.hanning(t.size) ** 0.1).astype('float32')

def _wav(path, f=440, noise=False, seed=0):
    import soundfile as sf
    path.parent.mkdir(parents=True, exist_ok=True); sf.write(str(path), _tone(f, noise=noise, seed=seed), SR)

def _mp3(path, f=440):
    w = path.with_suffix('.tmp.wav'); _wav(w, f)
    subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-i', str(w), str(path)], check=True); w.unlink()

def _audio(path, f=440):
    (_mp3 if path.suffix == '.mp3' and shutil.which('ffmpeg') else _wav)(path, f)

def _tagged_folder(d, n=64):
    "n clips in subfolders, tags 'tone'/'noise' and 'low'/'high', and d/tags.csv (file,tags)"
    rows = ['file,tags']
    for i in range(n):
        noise, high = i % 2 == 1, (i // 2) % 2 == 1
        f = (1200 if high else 220) * (1 + 0.05 * (i % 5))
        rel = f"{'noise' if noise else 'tone'}/clip{i:03d}.wav"
        if noise:  # band-limited noise: high or low by a crude filter
            import numpy as np, soundfile as sf
            x = _tone(0, noise=True, seed=i)
            k = 3 if high else 40
            x = (x - np.convolve(x, np.ones(k) / k, 'same')) if high else np.convolve(x, np.ones(k) / k, 'same') * 3
            (d / rel).parent.mkdir(parents=True, exist_ok=True); sf.write(str(d / rel), x.astype('float32'), SR)
        else: _wav(d / rel, f)
        rows.append(f"{rel},{'noise' if noise else 'tone'};{'high' if high else 'low'}")
    (d / 'tags.csv').write_text('\n'.join(rows) + '\n')

# files the pages ask the reader to bring: (regex on the command, path relative to the working dir or ~, maker)
FIXTURES = [
    (r'\bsong\.mp3\b', 'song.mp3', lambda p: _audio(p, 440)),
    (r'\bother\.wav\b', 'other.wav', lambda p: _audio(p, 880)),
    (r'\bclip\.wav\b', 'clip.wav', lambda p: _audio(p, 660)),
    (r'\bnew\.mp3\b', 'new.mp3', lambda p: _audio(p, 330)),
    (r'\bmy_audio\b', 'my_audio', _tagged_folder),
    (r'~/music\b', '~/music', lambda p: [_audio(p / f'track{i}.wav', 200 * (i + 1)) for i in range(4)]),
]

def blocks(page_path, rel):
    nb = json.loads(Path(page_path).read_text())
    for ci, c in enumerate(nb['cells']):
        if c['cell_type'] != 'markdown': continue
        for m in FENCE.finditer(''.join(c['source'])):
            yield dict(page=rel, cell=ci, text=m.group(2))

def commands(text):
    out, cur = [], ''
    for line in text.splitlines():
        cur += line.rstrip()
        if cur.endswith('\\'): cur = cur[:-1] + ' '; continue
        if cur.strip() and not cur.strip().startswith('#'): out.append(cur.strip())
        cur = ''
    if cur.strip(): out.append(cur.strip())
    return out

def skip_reason(cmd, block_text):
    m = MARK.search(block_text)
    if m: return 'marked on the page: ' + (m.group(1).strip() or 'docs-test: skip')
    for pat, why in SKIP:
        if re.search(pat, cmd): return why
    return None

def as_run(cmd):
    "the command as run: jetatag-train gets `--isTest true` appended, and `--seeds a,b,c,...` keeps its first two seeds"
    if not re.match(r'^\s*jetatag-train\b', cmd): return cmd
    body, sep, comment = cmd.partition(' #')
    body = re.sub(r'(--seeds[ =])([^,\s]+,[^,\s]+)(?:,[^\s]+)', r'\1\2', body)
    return body.rstrip() + ' --isTest true' + (('  #' + comment) if sep else '')

def run_page(cmds, cwd, env, log):
    "run [(block_no, cmd)] in one bash; returns {i: (rc, tail)}"
    script = ['set -o pipefail']
    for i, c in enumerate(cmds):
        script += [f'echo "@@@START {i}"', f'( set -e; {c}\n)', f'echo "@@@END {i} $?"']
    p = subprocess.Popen(['bash', '-c', '\n'.join(script)], cwd=cwd, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    for line in p.stdout:  # streamed to the log as it comes (tail -f it to follow a long run)
        log.write(line); log.flush(); lines.append(line.rstrip('\n'))
    p.wait()
    res, cur, buf = {}, None, []
    for line in lines:
        if line.startswith('@@@START '): cur, buf = int(line.split()[1]), []
        elif line.startswith('@@@END '):
            _, i, rc = line.split(); res[int(i)] = (int(rc), buf[-15:]); cur = None
        elif cur is not None: buf.append(line)
    for i in range(len(cmds)):
        if i not in res: res[i] = (1, (buf if cur == i else [])[-15:] + ['(did not finish)'])
    return res

def selftest():
    "the parsing and skip rules on known cases (runs first, in milliseconds): a broken rule fails before any run"
    assert commands('a \\\n  b\n# note\n\nc  # x') == ['a    b', 'c  # x'], commands('a \\\n  b\n# note\n\nc  # x')
    assert as_run('jetatag-train --compare --seeds 0,1,2  # c') == 'jetatag-train --compare --seeds 0,1 --isTest true  # c'
    assert as_run('jetatag-predict x.wav') == 'jetatag-predict x.wav'
    assert skip_reason('jetatag-train --dataset mtat --data_path /data', '').startswith('needs the real data set')
    assert skip_reason('jetatag-train --dataset synth', '') is None
    assert skip_reason('ls', 'ls\n# docs-test: skip (needs a microphone)') == 'marked on the page: needs a microphone'
    assert [m.group(1) for m in FENCE.finditer('```sh\na\n```\n```python\nb\n```\n```bash\nc\n```\n')] == ['sh', 'bash']

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--keep', action='store_true', help='keep the temporary clone and HOME')
    ap.add_argument('--list', action='store_true', help='only list what would run and what is skipped')
    ap.add_argument('--pages', nargs='*', help='pages to check (default: index, method, tutorials)')
    a = ap.parse_args()
    selftest()
    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix='jetatag-doccmds-'))
    clone, home = tmp / 'jetatag', tmp / 'home'
    home.mkdir()
    subprocess.run(['git', 'clone', '-q', str(ROOT), str(clone)], check=True)
    print(f'== doc commands on a fresh clone of HEAD ({subprocess.check_output(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], text=True).strip()}) in {clone}, HOME={home}')
    pats = a.pages or PAGES
    pages = [p for pat in pats for p in sorted(clone.glob(pat))]
    env = {**os.environ, 'HOME': str(home), 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'),
           'PYTHONUNBUFFERED': '1', 'TQDM_DISABLE': '1'}
    npass = nfail = nskip = nrun = 0
    log = open(tmp / 'commands.log', 'w')
    for page in pages:
        rel = str(page.relative_to(clone))
        bl = list(blocks(page, rel))
        if not bl: continue
        todo, plan = [], []  # plan: (block, cmd, run_cmd or None, reason)
        for b in bl:
            for c in commands(b['text']):
                why = skip_reason(c, b['text'])
                plan.append((b, c, None if why else as_run(c), why))
                if not why: todo.append(as_run(c))
        made = []
        if todo and not a.list:
            for pat, name, maker in FIXTURES:
                if any(re.search(pat, c) for c in todo):
                    p = home / name[2:] if name.startswith('~/') else clone / name
                    if not p.exists(): maker(p); made.append(name)
        if made: print(f'\n-- {rel}: reader\'s files the page assumes, generated: {", ".join(made)}')
        t = time.time()
        res = run_page(todo, clone, env, log) if todo and not a.list else {}
        k = 0
        print(f'\n-- {rel}' + (f' ({time.time() - t:.0f}s)' if res else ''))
        for b, c, rc_cmd, why in plan:
            where = f'{rel} cell {b["cell"]}'
            if why:
                nskip += 1; print(f'SKIP {where}: {c}\n       reason: {why}'); continue
            shown = c if rc_cmd == c else f'{c}\n       run as: {rc_cmd}'
            if a.list: print(f'RUN  {where}: {shown}'); k += 1; nrun += 1; continue
            rc, tail = res[k]; k += 1
            if rc == 0: npass += 1; print(f'PASS {where}: {shown}')
            else:
                nfail += 1; print(f'FAIL {where}: {shown}\n       exit {rc}; last lines:')
                print('\n'.join('       | ' + l for l in tail))
    log.close()
    if a.list: print(f'\ndoc commands: {nrun} to run, {nskip} skipped'); shutil.rmtree(tmp, ignore_errors=True); return
    print(f'\ndoc commands: {npass} passed, {nfail} failed, {nskip} skipped ({time.time() - t0:.0f}s; log {tmp/"commands.log"})')
    if not a.keep and not nfail: shutil.rmtree(tmp, ignore_errors=True)
    elif nfail: print(f'kept {tmp} to look at')
    sys.exit(1 if nfail else 0)

if __name__ == '__main__': main()
