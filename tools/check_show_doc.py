#!/usr/bin/env python
"""Check that every public name of the library is documented in the notebooks.

    python tools/check_show_doc.py [--no-methods] [--json] [-v]

For every module `jetatag/<m>.py` (except `_modidx`), each name in its `__all__` that is a function or a class
must be documented in some notebook under nbs/ (constants are not checked), and so must the
public methods of those classes (`show_doc(<Class>.<method>)`): methods, class/static methods and documented
properties defined in the class body (not inherited), except framework protocol methods users do not call
(`forward`, fastai callback events, `Metric.value`, `encodes`, ...). Documented means an explicit `show_doc(<name>)`
cell, or nbdev's own: the docs build adds `show_doc` after an `#| export` cell for the public functions, classes and
`@patch`ed methods it defines that have no explicit cell (methods inside a class body never get one: they need
explicit cells). An explicit `show_doc` of a `@patch`ed method is reported, because nbdev adds its own as well and
the page shows it twice. Every documented function/method must also
have docments-style comments for its parameters (`a:int=1, # what a is`): parameters without one are listed.
A name without `show_doc` is also a broken link in the docs wherever it is written in backticks.

Exits 1 when something is missing, 0 otherwise. tools/check_docs.py runs it and reports the problems on the
pages of the notebooks that define the names.
"""
import argparse, ast, importlib, inspect, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB, NBS = ROOT/'jetatag', ROOT/'nbs'
_re_show_doc = re.compile(r'^\s*show_doc\(\s*([\w.]+)', re.M)

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)', re.M)

def _auto_names(src):
    """Names nbdev's docs build documents by itself after an `#| export`/`#| exports` cell (its `add_show_docs`):
    top-level public functions and classes, and `@patch`ed methods as `Class.method`."""
    import ast
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return []
    res = []
    for o in tree.body:
        if not isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or o.name.startswith('_'): continue
        decos = [ast.unparse(d) for d in getattr(o, 'decorator_list', [])]
        if any(d == 'patch' or d.startswith(('patch(', 'patch_to')) for d in decos) and o.args.args and o.args.args[0].annotation is not None:
            res.append((o.name, f"{ast.unparse(o.args.args[0].annotation)}.{o.name}"))
        else: res.append((o.name, o.name))
    return res

def show_doc_calls():
    """({name: [notebook, ...]} of explicit `show_doc(name...)` calls in nbs/**/*.ipynb,
    {name: [notebook, ...]} of the names nbdev documents automatically after exported cells,
    [(notebook, name)] documented twice). Like nbdev's `add_show_docs`, per notebook: a definition gets an automatic
    show_doc unless its bare name (`method`, not `Class.method`) has an explicit one in the same notebook."""
    calls, auto, twice = {}, {}, []
    for nb in sorted(NBS.rglob('*.ipynb')):
        rel = nb.relative_to(NBS).as_posix()
        if any(p.startswith(('.', '_')) for p in nb.relative_to(NBS).parts): continue
        srcs = [(''.join(c['source']) if isinstance(c['source'], list) else c['source'])
                for c in json.loads(nb.read_text()).get('cells', []) if c.get('cell_type') == 'code']
        shown = {m.group(1) for src in srcs for m in _re_show_doc.finditer(src)}
        for n in shown: calls.setdefault(n, []).append(rel)
        for src in srcs:
            dirs = set(_re_dir.findall(src))
            if not (dirs & {'export', 'exports', 'exec_doc'}) or 'hide' in dirs: continue
            for bare, full in _auto_names(src):
                if bare in shown: continue
                auto.setdefault(full, []).append(rel)
                if full in shown: twice.append((rel, full))
    return calls, auto, twice

def _protocol_names():
    "Methods that implement a framework protocol (PyTorch modules, fastai callbacks, metrics and transforms): not API."
    names = {'forward', 'extra_repr',                          # torch.nn.Module
             'reset', 'accumulate', 'value', 'name',            # fastai Metric
             'encodes', 'decodes', 'setups', 'activation'}      # fastai Transform / loss function
    try:
        from fastai.callback.core import _events
        names |= set(_events)                                   # fastai Callback events
    except Exception: pass
    return names

def public_methods(cls):
    """Public methods, properties and class/static methods defined in `cls`'s own body (in source order), except
    framework protocol methods (`forward`, fastai callback events, `Metric.value`, ...) and properties without a docstring."""
    res, skip = [], _protocol_names()
    for k, v in vars(cls).items():
        if k.startswith('_') or k in skip: continue
        if isinstance(v, property) and not (v.fget and v.fget.__doc__): continue
        if isinstance(v, (staticmethod, classmethod)): v = v.__func__
        if isinstance(v, property): v = v.fget
        if inspect.isfunction(v) and v.__qualname__.split('.')[0] == cls.__name__: res.append((k, v))
    return res

def undocumented_params(f):
    "Parameters of `f` (not self/cls/*args/**kwargs) without a docments comment; [] if it cannot tell."
    try:
        from fastcore.docments import docments
        d = docments(f, full=True)
    except Exception: return []
    try: sig = inspect.signature(f)
    except (TypeError, ValueError): return []
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [n for n, p in sig.parameters.items()
            if n not in ('self', 'cls') and p.kind not in kinds and n in d and not d[n].get('docment')]

def _module_of(nb):
    "The module a notebook (relative to nbs/) exports to, or the notebook itself."
    return {v: k for k, v in module_notebooks().items()}.get(nb, nb)

def module_notebooks():
    "{module name: notebook path relative to nbs/} from the notebooks' `#| default_exp` lines."
    res = {}
    for nb in sorted(NBS.rglob('*.ipynb')):
        m = re.search(r'#\|\s*default_exp\s+([\w.]+)', nb.read_text())
        if m: res[m.group(1)] = nb.relative_to(NBS).as_posix()
    return res

def problems(methods=True):
    "[(module, kind, message)] for every public name without `show_doc` or with undocumented parameters; and a count."
    calls, auto, twice = show_doc_calls()
    res, n = [(_module_of(nb), 'shown twice', name) for nb, name in twice], 0
    documented = set(calls) | set(auto)
    for py in sorted(LIB.glob('*.py')):
        if py.stem.startswith('_'): continue
        mod = importlib.import_module(f'jetatag.{py.stem}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)): continue
            if getattr(obj, '__module__', None) != mod.__name__: continue   # re-exported from another module
            n += 1
            if name not in documented: res.append((py.stem, 'no show_doc', name))
            targets = [(name, obj.__init__ if inspect.isclass(obj) and '__init__' in vars(obj) else obj)]
            if inspect.isclass(obj) and methods:
                for k, m in public_methods(obj):
                    n += 1
                    if f'{name}.{k}' not in documented: res.append((py.stem, 'no show_doc', f'{name}.{k}'))
                    else: targets.append((f'{name}.{k}', m))
            for tn, f in targets:
                if not inspect.isfunction(f): continue
                bad = undocumented_params(f)
                if bad: res.append((py.stem, 'no docments comment', f"{tn}({', '.join(bad)})"))
    return res, n

_WHAT = {'no show_doc': 'no show_doc cell for', 'no docments comment': 'no docments comment for the parameter(s) of',
         'shown twice': "documented twice (nbdev's docs build adds show_doc after the exported @patch cell itself; remove the explicit show_doc cell) :"}

def main(methods=True, verbose=False, as_json=False):
    res, n = problems(methods)
    nbs = module_notebooks()
    if as_json:
        print(json.dumps([dict(module=m, notebook=nbs.get(m, ''), kind=k, name=x) for m, k, x in res]))
        return 1 if res else 0
    for m, k, x in res:
        print(f"{nbs.get(m, m)}: {_WHAT[k]} {m}.{x}")
    if verbose or not res:
        print(f"{n} public names checked: {sum(k == 'no show_doc' for _, k, _ in res)} without show_doc, "
              f"{sum(k == 'no docments comment' for _, k, _ in res)} with undocumented parameters, "
              f"{sum(k == 'shown twice' for _, k, _ in res)} documented twice")
    return 1 if res else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--no-methods', action='store_true', help="only check the modules' __all__, not the public methods of classes")
    ap.add_argument('--json', action='store_true', help='print the problems as JSON (used by tools/check_docs.py)')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import warnings; warnings.simplefilter('ignore')
    sys.exit(main(not a.no_methods, a.verbose, a.json))
