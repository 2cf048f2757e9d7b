#!/usr/bin/env python
"""Check the GitHub Actions workflows in .github/workflows/ (a small stand-in for actionlint, which cannot be
installed offline: its PyPI package downloads the binary from GitHub when it builds).

    python tools/check_workflows.py [FILE ...] [-v]

For every workflow file:

- it parses as YAML and has the keys GitHub requires: `on`, `jobs`; every job has `runs-on` (or `uses`, a reusable
  workflow) and `steps`; every step has exactly one of `uses` and `run`; no unknown keys in jobs and steps
  (a typo such as `with` at job level or `run` spelt `runs` is silently ignored by GitHub); `needs` names existing
  jobs; `steps.<id>` in an expression names a step of the same job;
- every `uses:` is pinned: `owner/repo[/path]@vN[.N.N]` or a full commit SHA, never a branch (`@master`, `@main`);
- every `run:` script is valid bash (`bash -n`, with `${{ ... }}` expressions replaced by a placeholder), every
  command it calls exists in this environment (the dev environment: `pip install -e ".[dev]"`), or is a shell builtin,
  or is installed by an earlier `uses:` step (e.g. `quarto` after quarto-dev/quarto-actions/setup);
  `python FILE.py` files exist, `python -m MODULE` modules import, the long options (`--flag`) given to this
  environment's console scripts (nbdev-test, nbdev-docs, ...) appear in their `--help`, and the extras of
  `pip install ".[extra]"` exist in pyproject.toml.

Prints one line per problem and a summary; exits 1 when there is a problem, 0 otherwise.
"""
import argparse, functools, importlib.util, os, re, shlex, shutil, subprocess, sys, tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

WORKFLOW_KEYS = {'name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs'}
JOB_KEYS = {'name', 'permissions', 'needs', 'if', 'runs-on', 'environment', 'concurrency', 'outputs', 'env', 'defaults',
            'steps', 'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services', 'uses', 'with', 'secrets'}
STEP_KEYS = {'id', 'if', 'name', 'uses', 'run', 'shell', 'with', 'env', 'continue-on-error', 'timeout-minutes', 'working-directory'}
# commands an action puts on the PATH for the steps after it
PROVIDED_BY = {'quarto-dev/quarto-actions/setup': {'quarto'}, 'actions/setup-python': {'python', 'python3', 'pip', 'pip3'},
               'astral-sh/setup-uv': {'uv', 'uvx'}}
SHELL_WORDS = set('''! { } [ [[ ]] if then else elif fi case esac for while until do done in function select time
  . : alias bg bind break builtin caller cd command compgen complete continue declare dirs disown echo enable eval exec
  exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd read readonly
  return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait'''.split())
# ordinary tools of GitHub's ubuntu runners that may be missing from a development machine
RUNNER_TOOLS = {'sudo', 'apt-get', 'wget', 'curl', 'tar', 'git', 'ls', 'cat', 'mkdir', 'rm', 'cp', 'mv', 'grep', 'sed', 'awk', 'tee', 'touch', 'sha1sum'}
PREFIX_WORDS = {'!', 'if', 'then', 'else', 'elif', 'do', 'while', 'until', 'time', '{', 'exec', 'command', 'sudo'}
CONTROL = {'&&', '||', ';', '|', '&', '(', ')', ';;', '|&', '\n'}
# nbdev 2 composite actions: they cache on settings.ini, install only when setup.py exists and call nbdev_docs
NBDEV2_ACTIONS = {'fastai/workflows/nbdev-ci', 'fastai/workflows/quarto-ghp', 'fastai/workflows/quarto-ghp-setup'}
_re_expr = re.compile(r'\$\{\{.*?\}\}', re.S)
_re_uses = re.compile(r'^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$')

def _help(exe):
    try: r = subprocess.run([exe, '--help'], capture_output=True, text=True, timeout=120, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired): return None
    return (r.stdout or '') + (r.stderr or '')
_help = functools.lru_cache(None)(_help)

def find_exe(cmd):
    "Path of `cmd` in this environment (the venv's bin first, then PATH), or None."
    if '/' in cmd: return str(ROOT/cmd) if (ROOT/cmd).exists() else None
    return shutil.which(cmd, path=os.pathsep.join([str(BIN), os.environ.get('PATH', '')]))

def _pyproject():
    try: import tomllib
    except ImportError: return None
    return tomllib.loads((ROOT/'pyproject.toml').read_text())

def doc_path():
    "Where nbdev-docs writes the site: pyproject.toml's [tool.nbdev] doc_path (nbdev's default `_docs`)."
    pp = _pyproject()
    return None if pp is None else str(pp.get('tool', {}).get('nbdev', {}).get('doc_path', '_docs')).strip('./')

def extras():
    pp = _pyproject()
    return None if pp is None else set(pp.get('project', {}).get('optional-dependencies', {}))

def commands(script):
    "[(command, [args])] of the simple commands in a bash script (including those inside `$( )`)."
    script = re.sub(r'\\\n', ' ', script)
    res = []
    for inner in re.findall(r'\$\(([^()]*)\)', script): res += commands(inner)
    lex = shlex.shlex(script.replace('\n', ' ; '), posix=True, punctuation_chars=True)
    lex.whitespace_split, lex.commenters = True, '#'
    try: toks = list(lex)
    except ValueError as e: return [('', [f'cannot split: {e}'])]
    cur, start = None, True
    for t in toks:
        if t in CONTROL or set(t) <= set('&|;()<>'):
            start, cur = t not in {'<', '>', '>>', '<<', '2>', '>&'}, None
            continue
        if start:
            if re.match(r'^\w+=', t) or t in PREFIX_WORDS: continue   # VAR=value cmd, if cmd, ! cmd, ...
            cur = (t, []); res.append(cur); start = False
        elif cur is not None: cur[1].append(t)
    return res

def check_run(script, provided, where, problems):
    sub = _re_expr.sub('PLACEHOLDER', script)
    with tempfile.NamedTemporaryFile('w', suffix='.sh', delete=False) as f: f.write(sub)
    try:
        r = subprocess.run(['bash', '-n', f.name], capture_output=True, text=True)
        if r.returncode: problems.append(f'{where}: not valid bash: {r.stderr.strip().replace(f.name, "run")}')
    finally: os.unlink(f.name)
    ex = extras()
    for cmd, args in commands(sub):
        if not cmd: problems.append(f'{where}: {args[0]}'); continue
        if cmd in SHELL_WORDS or cmd in provided or cmd == 'PLACEHOLDER' or cmd.startswith('$'): exe = None
        else:
            exe = find_exe(cmd)
            if exe is None:
                if cmd not in RUNNER_TOOLS: problems.append(f'{where}: command not found in this environment: {cmd}')
                continue
        if cmd in ('python', 'python3') or (exe and Path(exe).name.startswith('python')):
            if args[:2] == ['-m', 'pip']: cmd, args = 'pip', args[2:]
            elif args[:1] == ['-m'] and len(args) > 1:
                if importlib.util.find_spec(args[1]) is None: problems.append(f'{where}: python -m {args[1]}: no such module')
                continue
            else:
                if args and args[0].endswith('.py') and not (ROOT/args[0]).exists(): problems.append(f'{where}: python {args[0]}: no such file')
                continue
        if cmd in ('pip', 'pip3'):
            for a in args:
                m = re.match(r'^\.\[([\w,\s-]+)\]$', a)
                if m and ex is not None:
                    for e in (x.strip() for x in m.group(1).split(',')):
                        if e not in ex: problems.append(f'{where}: pip install extra [{e}] is not in pyproject.toml')
            continue
        if exe and Path(exe).parent == BIN:
            longs = [a.split('=')[0] for a in args if a.startswith('--') and len(a) > 2]
            if longs:
                h = _help(exe)
                if h is not None:
                    for o in longs:
                        if not re.search(rf'(?<![\w-]){re.escape(o)}(?![\w-])', h): problems.append(f'{where}: {cmd} has no option {o} (see {cmd} --help)')

def check_file(path):
    problems, rel = [], path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try: wf = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e: return [f'{rel}: not valid YAML: {e}']
    if not isinstance(wf, dict): return [f'{rel}: not a mapping']
    if True in wf: wf['on'] = wf.pop(True)   # YAML 1.1 reads the key `on` as true
    for k in wf:
        if k not in WORKFLOW_KEYS: problems.append(f'{rel}: unknown top-level key {k!r}')
    if 'on' not in wf: problems.append(f'{rel}: no `on:` (triggers)')
    jobs = wf.get('jobs')
    if not isinstance(jobs, dict) or not jobs: return problems + [f'{rel}: no jobs']
    for jname, job in jobs.items():
        jw = f'{rel}: job {jname}'
        if not isinstance(job, dict): problems.append(f'{jw}: not a mapping'); continue
        for k in job:
            if k not in JOB_KEYS: problems.append(f'{jw}: unknown key {k!r}')
        needs = job.get('needs', [])
        for n in [needs] if isinstance(needs, str) else needs or []:
            if n not in jobs: problems.append(f'{jw}: needs unknown job {n!r}')
        if 'uses' in job:
            if not _re_uses.match(str(job['uses'])) and not str(job['uses']).startswith('./'):
                problems.append(f'{jw}: uses {job["uses"]!r} is not pinned to a version tag or commit SHA')
            continue
        if 'runs-on' not in job: problems.append(f'{jw}: no runs-on')
        steps = job.get('steps')
        if not isinstance(steps, list) or not steps: problems.append(f'{jw}: no steps'); continue
        ids = {s.get('id') for s in steps if isinstance(s, dict) and s.get('id')}
        for expr in _re_expr.findall(yaml.safe_dump(job)):
            for sid in re.findall(r'\bsteps\.([\w-]+)\.', expr):
                if sid not in ids: problems.append(f'{jw}: {expr} refers to step id {sid!r}, which is not in this job')
        provided = set()
        for i, st in enumerate(steps, 1):
            sw = f'{jw} step {i}' + (f' ({st.get("name") or st.get("uses") or ""})' if isinstance(st, dict) else '')
            if not isinstance(st, dict): problems.append(f'{sw}: not a mapping'); continue
            for k in st:
                if k not in STEP_KEYS: problems.append(f'{sw}: unknown key {k!r}')
            if ('uses' in st) == ('run' in st): problems.append(f'{sw}: needs exactly one of `uses` and `run`'); continue
            if 'uses' in st:
                u = str(st['uses'])
                if u.startswith(('./', 'docker://')): continue
                if not _re_uses.match(u): problems.append(f'{sw}: uses {u!r} is not pinned to a version tag (@vN) or commit SHA')
                if u.split('@')[0] in NBDEV2_ACTIONS: problems.append(f'{sw}: {u} is an nbdev 2 action (settings.ini, setup.py, nbdev_docs); this is an nbdev 3 project')
                if u.split('@')[0] == 'actions/upload-pages-artifact':
                    want, got = doc_path(), str((st.get('with') or {}).get('path', '_site')).strip('./')
                    if want and got != want: problems.append(f'{sw}: publishes {got!r}, but nbdev-docs writes the site into {want!r} (pyproject.toml doc_path)')
                provided |= PROVIDED_BY.get(u.split('@')[0], set())
            else:
                if st.get('shell', 'bash') not in ('bash', 'sh'): continue
                check_run(str(st['run']), provided, sw, problems)
    return problems

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('files', nargs='*', type=Path, help='workflow files (default: .github/workflows/*.y*ml)')
    ap.add_argument('-v', '--verbose', action='store_true', help='list the commands found in each run: script')
    a = ap.parse_args(argv)
    files = a.files or sorted((ROOT/'.github'/'workflows').glob('*.y*ml'))
    if not files: print('no workflow files found'); return 1
    n = 0
    for f in files:
        f = f.resolve()
        probs = check_file(f)
        n += len(probs)
        if a.verbose:
            wf = yaml.safe_load(f.read_text()) or {}
            for j in (wf.get('jobs') or {}).values():
                for st in (j or {}).get('steps') or []:
                    if isinstance(st, dict) and 'run' in st: print(f'  {f.name}: {[c for c, _ in commands(_re_expr.sub("X", str(st["run"])))]}')
        print(f"{'OK  ' if not probs else 'FAIL'} {f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}")
        for p in probs: print(f'     {p}')
    print(f'{len(files)} workflow file(s), {n} problem(s)')
    return 1 if n else 0

if __name__ == '__main__':
    sys.exit(main())
