#!/usr/bin/env python
"""Run the shell commands of the docs pages as a reader would copy them, on a fresh clone.

Usage: python tools/check_doc_commands.py [--keep] [--list] [--pages nbs/tutorials/byo.ipynb ...]

What it does, in order:
1. `git clone` of this repository at HEAD into a temporary folder (the pages are read from there: commit a page to check
   it), with HOME set to a fresh temporary folder too (so `~/.jetatag/data` starts empty, as for a new user, and the
   real cache is never touched).
2. From the markdown cells of nbs/index.ipynb, nbs/method.ipynb and nbs/tutorials/*.ipynb it takes the ```sh, ```bash
   and ```shell code blocks, in page order, and splits each into commands (a line, plus its `\\` continuation lines).
3. Each command is either run or skipped by the explicit rules in SKIP below (the first that matches gives the
   reason). Every skipped command is printed with its reason: nothing is skipped silently. A page author can also put
   `# docs-test: skip (reason)` in a block: the whole block is skipped with that reason.
   A page can also state what a command's result must be, so that the check judges results and not only exit codes:
   a comment line `# docs-test: expect EXPR` right after the command (several lines: all must hold) is a Python
   expression, evaluated after the command succeeded, in the page's working folder, with these names:
     out                the command's standard output (text; stderr is not in it)
     table(out)         a table the command printed (pandas' layout: a header line, then rows of an index and
                        values; only the first column may hold spaces) as a DataFrame, its index dropped
     csv(path)          pandas.read_csv(path) with every cell as text ('' for an empty one)
     tags(path)         a tags CSV as {file: set of tags} (the `file` column, else the first; `tags`, else the second;
                        tags split on ; | or ,)
     audio_files(dir)   the audio files under dir (subfolders too), as dir/relative/path strings, sorted
     re, json, Path, pd
   A false or failing expectation fails the command: the tail printed shows the command's last output lines, then
   the expression (or its error). Expectations are cheap (no rerun); only commands with one have their stdout saved
   (e.g. `# docs-test: expect all('rock' in tags('my_audio/tags.csv')[f] for f in table(out).id)`).
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
   `tags.csv`, a folder to tag `new_audio/`, `~/music`, ...) are written before that page runs, as short generated tones and noise, and listed.

It prints, for each block, the page, its commands and PASS / FAIL / SKIP (with the last lines of output on failure),
then "doc commands: N passed, M failed, K skipped" (and how many expectations were checked), and exits 1 if a runnable
command failed or an expectation was not met. `--pages` checks only the pages given (paths or globs, relative to the root).
"""
import argparse, json, os, re, shlex, subprocess, sys, tempfile, time, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ['nbs/index.ipynb', 'nbs/method.ipynb', 'nbs/tutorials/*.ipynb']
EXPECT = re.compile(r'^#\s*docs-test:\s*expect\s+(.+)$')
AUDIO_EXTS = ('.wav', '.flac', '.ogg', '.mp3', '.m4a', '.aac', '.opus', '.aiff', '.aif', '.wma')
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

def _tagged_folder(d, n=96):
    """n clips in subfolders and d/tags.csv (file,tags): tones tagged 'ambient;flute', noise 'rock;drums', each also
    'low' or 'high' (tag names from the byo page's collection, so that its queries mean something; the sounds are
    easy to tell apart, so that the short `--isTest` training of the check already ranks them)"""
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
        rows.append(f"{rel},{'rock;drums' if noise else 'ambient;flute'};{'high' if high else 'low'}")
    (d / 'tags.csv').write_text('\n'.join(rows) + '\n')

# files the pages ask the reader to bring: (regex on the command, path relative to the working dir or ~, maker)
FIXTURES = [
    (r'\bsong\.mp3\b', 'song.mp3', lambda p: _audio(p, 440)),
    (r'\bother\.wav\b', 'other.wav', lambda p: _audio(p, 880)),
    (r'\bclip\.wav\b', 'clip.wav', lambda p: _audio(p, 660)),
    (r'\bnew\.mp3\b', 'new.mp3', lambda p: _audio(p, 330)),
    (r'\bmy_audio\b', 'my_audio', _tagged_folder),
    (r'\bnew_audio\b', 'new_audio', lambda p: [_audio(p / ('more' if i % 2 else '') / f'new{i}.wav', 250 * (i + 1))
                                              for i in range(6)]),
    (r'~/music\b', '~/music', lambda p: [_audio(p / f'track{i}.wav', 200 * (i + 1)) for i in range(4)]),
]

def blocks(page_path, rel):
    nb = json.loads(Path(page_path).read_text())
    for ci, c in enumerate(nb['cells']):
        if c['cell_type'] != 'markdown': continue
        for m in FENCE.finditer(''.join(c['source'])):
            yield dict(page=rel, cell=ci, text=m.group(2))

def parse(text):
    "[(command, [expectation, ...])] of a block: a command is a line plus its `\\` continuation lines; comment lines are dropped, except `# docs-test: expect EXPR`, which goes to the command before it"
    out, cur = [], ''
    for line in text.splitlines():
        m = EXPECT.match(line.strip())
        if m and not cur:
            if not out: raise ValueError(f'`{line.strip()}` comes before any command of its block')
            out[-1][1].append(m.group(1).strip()); continue
        cur += line.rstrip()
        if cur.endswith('\\'): cur = cur[:-1] + ' '; continue
        if cur.strip() and not cur.strip().startswith('#'): out.append((cur.strip(), []))
        cur = ''
    if cur.strip(): out.append((cur.strip(), []))
    return out

def commands(text): return [c for c, _ in parse(text)]

# --- expectations: evaluated in a separate python (the page's working folder), after the command succeeded ----------
def _table(out):
    "the last table in `out` printed in pandas' layout (header line, optional index-name line, rows `index values...`)"
    import pandas as pd
    lines = [l for l in out.splitlines() if l.strip()]
    rows = [i for i, l in enumerate(lines) if re.match(r'^\S+\s', l) and re.match(r'^-?\d', l)]
    if not rows: raise ValueError('no table in the output')
    end = rows[-1]; start = end
    while start - 1 in rows: start -= 1
    h = start - 1
    if h >= 0 and len(lines[h].split()) == 1 and lines[h][0] != ' ': h -= 1  # the index's name (e.g. `rank`)
    if h < 0: raise ValueError('a table without a header line')
    cols = lines[h].split()
    data = [lines[i].split(None, 1)[1].rsplit(None, len(cols) - 1) for i in range(start, end + 1)]
    return pd.DataFrame(data, columns=cols)

def _csv(path):
    import pandas as pd
    return pd.read_csv(path, dtype=str, keep_default_na=False)

def _tags(path):
    df = _csv(path)
    pick = lambda names, k: next((c for c in df.columns if c.lower() in names), df.columns[k])
    f, t = pick(('file', 'filename', 'fname', 'path'), 0), pick(('tags', 'tag', 'labels', 'label'), 1)
    return {a: {x.strip() for x in re.split(r'[;|,]', b) if x.strip()} for a, b in zip(df[f], df[t])}

def _audio_files(d):
    return sorted(str(Path(d) / p.relative_to(d).as_posix()) for p in Path(d).rglob('*')
                  if p.is_file() and p.suffix.lower() in AUDIO_EXTS)

def check_expectations(exprs, out):
    "evaluate each expression with `out` and the helpers; returns [failure message] (empty: all hold)"
    import pandas as pd
    env = dict(out=out, table=_table, csv=_csv, tags=_tags, audio_files=_audio_files, re=re, json=json, Path=Path, pd=pd)
    fails = []
    for e in exprs:
        try: ok = eval(e, env)
        except Exception as ex: fails.append(f'expectation failed to evaluate: {e}\n  {type(ex).__name__}: {ex}'); continue
        if not ok: fails.append(f'expectation not met: {e}')  # (the output is just above it in the log and the tail)
    return fails

def _expect_main(exprs_file, out_file):
    "`--expect EXPRS.json OUT.txt` (what run_page calls): prints each failure, exit 1 if any"
    fails = check_expectations(json.loads(Path(exprs_file).read_text()), Path(out_file).read_text())
    for f in fails: print(f)
    sys.exit(1 if fails else 0)

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

def run_page(cmds, cwd, env, log, expects=None, tmp=None):
    """run the commands in one bash; returns {i: (rc, tail)}. `expects` {i: [EXPR]}: command i's stdout is also saved
    (tee) and, if it succeeded, its expectations are checked by this script's `--expect` in the same folder"""
    script, expects = ['set -o pipefail'], expects or {}
    for i, c in enumerate(cmds):
        if i in expects:
            ef, of = Path(tmp) / f'expect{i}.json', Path(tmp) / f'out{i}.txt'
            ef.write_text(json.dumps(expects[i]))
            q = lambda p: shlex.quote(str(p))
            script += [f'echo "@@@START {i}"', f'( set -e; {c}\n) | tee {q(of)}', 'rc=$?',
                       f'[ $rc -eq 0 ] && {{ {q(sys.executable)} {q(Path(__file__).resolve())} --expect {q(ef)} {q(of)} || rc=$?; }}',
                       f'echo "@@@END {i} $rc"']
        else: script += [f'echo "@@@START {i}"', f'( set -e; {c}\n)', f'echo "@@@END {i} $?"']
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
    assert parse('a\n# docs-test: expect len(out) > 0\n# docs-test: expect 1\nb \\\n  c\n# note') == [
        ('a', ['len(out) > 0', '1']), ('b    c', [])], parse('a\n# docs-test: expect len(out) > 0\n# docs-test: expect 1\nb \\\n  c')
    out = "clips tagged 'rock' (score: classifier)\n                     id   score\nrank                           \n1     a b/x.wav -0.6256\n2     y.wav -0.6260\n"
    assert _table(out).id.tolist() == ['a b/x.wav', 'y.wav'] and _table(out).score.tolist() == ['-0.6256', '-0.6260']
    assert check_expectations(['table(out).id.tolist() == ["a b/x.wav", "y.wav"]'], out) == []
    assert check_expectations(['len(table(out)) == 3'], out)[0].startswith('expectation not met: len(table(out)) == 3')
    assert check_expectations(['nosuchname'], out)[0].startswith('expectation failed to evaluate')
    assert [m.group(1) for m in FENCE.finditer('```sh\na\n```\n```python\nb\n```\n```bash\nc\n```\n')] == ['sh', 'bash']

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--keep', action='store_true', help='keep the temporary clone and HOME')
    ap.add_argument('--list', action='store_true', help='only list what would run and what is skipped')
    ap.add_argument('--pages', nargs='*', help='pages to check, paths or globs relative to the root (default: index, method, tutorials)')
    ap.add_argument('--expect', nargs=2, metavar=('EXPRS_JSON', 'OUT_TXT'), help=argparse.SUPPRESS)  # run_page's check of expectations
    a = ap.parse_args()
    if a.expect: return _expect_main(*a.expect)
    selftest()
    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix='jetatag-doccmds-'))
    clone, home = tmp / 'jetatag', tmp / 'home'
    home.mkdir()
    if a.list: clone = ROOT  # listing reads the pages where they are: nothing runs, so nothing is cloned
    else:
        subprocess.run(['git', 'clone', '-q', str(ROOT), str(clone)], check=True)
        print(f'== doc commands on a fresh clone of HEAD ({subprocess.check_output(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], text=True).strip()}) in {clone}, HOME={home}')
    pats = a.pages or PAGES
    pages = [p for pat in pats for p in sorted(clone.glob(pat))]
    env = {**os.environ, 'HOME': str(home), 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'),
           'PYTHONUNBUFFERED': '1', 'TQDM_DISABLE': '1'}
    npass = nfail = nskip = nrun = nexp = 0
    log = open(tmp / 'commands.log', 'w')
    for page in pages:
        rel = str(page.relative_to(clone))
        bl = list(blocks(page, rel))
        if not bl: continue
        todo, plan, expects = [], [], {}  # plan: (block, cmd, run_cmd or None, reason, expectations)
        for b in bl:
            for c, ex in parse(b['text']):
                why = skip_reason(c, b['text'])
                plan.append((b, c, None if why else as_run(c), why, ex))
                if not why:
                    if ex: expects[len(todo)] = ex
                    todo.append(as_run(c))
        made = []
        if todo and not a.list:
            for pat, name, maker in FIXTURES:
                if any(re.search(pat, c) for c in todo):
                    p = home / name[2:] if name.startswith('~/') else clone / name
                    if not p.exists(): maker(p); made.append(name)
        if made: print(f'\n-- {rel}: reader\'s files the page assumes, generated: {", ".join(made)}')
        t = time.time()
        res = run_page(todo, clone, env, log, expects, tmp) if todo and not a.list else {}
        k = 0
        print(f'\n-- {rel}' + (f' ({time.time() - t:.0f}s)' if res else ''))
        for b, c, rc_cmd, why, ex in plan:
            where = f'{rel} cell {b["cell"]}'
            if why:
                nskip += 1; print(f'SKIP {where}: {c}\n       reason: {why}'); continue
            shown = c if rc_cmd == c else f'{c}\n       run as: {rc_cmd}'
            shown += ''.join(f'\n       expect: {e}' for e in ex)
            if a.list: print(f'RUN  {where}: {shown}'); k += 1; nrun += 1; continue
            rc, tail = res[k]; k += 1
            if rc == 0: npass += 1; nexp += len(ex); print(f'PASS {where}: {shown}' + (f'\n       ({len(ex)} expectation{"s" * (len(ex) > 1)} met)' if ex else ''))
            else:
                nfail += 1; print(f'FAIL {where}: {shown}\n       exit {rc}; last lines:')
                print('\n'.join('       | ' + l for l in tail))
    log.close()
    if a.list: print(f'\ndoc commands: {nrun} to run, {nskip} skipped'); shutil.rmtree(tmp, ignore_errors=True); return
    print(f'\ndoc commands: {npass} passed, {nfail} failed, {nskip} skipped, {nexp} expectations met ({time.time() - t0:.0f}s; log {tmp/"commands.log"})')
    if not a.keep and not nfail: shutil.rmtree(tmp, ignore_errors=True)
    elif nfail: print(f'kept {tmp} to look at')
    sys.exit(1 if nfail else 0)

if __name__ == '__main__': main()
