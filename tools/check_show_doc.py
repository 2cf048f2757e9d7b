#!/usr/bin/env python
"""Check that every public name of the library is documented in the notebooks.

    python tools/check_show_doc.py [--no-methods] [--json] [-v]

For every module `jetatag/<m>.py` (except `_modidx`), each name in its `__all__` that is a function or a class
must have a `show_doc(<name>)` call in some notebook under nbs/ (constants are not checked), and so must the
public methods of those classes (`show_doc(<Class>.<method>)`): methods, class/static methods and documented
properties defined in the class body (not inherited), except framework protocol methods users do not call
(`forward`, fastai callback events, `Metric.value`, `encodes`, ...). Every documented function/method must also
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

def show_doc_calls():
    "{documented name: [notebook, ...]} from every `show_doc(name...)` in code cells of nbs/**/*.ipynb."
    res = {}
    for nb in sorted(NBS.rglob('*.ipynb')):
        if any(p.startswith(('.', '_')) for p in nb.relative_to(NBS).parts): continue
        for c in json.loads(nb.read_text()).get('cells', []):
            if c.get('cell_type') != 'code': continue
            src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
            for m in _re_show_doc.finditer(src): res.setdefault(m.group(1), []).append(nb.relative_to(NBS).as_posix())
    return res

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

def module_notebooks():
    "{module name: notebook path relative to nbs/} from the notebooks' `#| default_exp` lines."
    res = {}
    for nb in sorted(NBS.rglob('*.ipynb')):
        m = re.search(r'#\|\s*default_exp\s+([\w.]+)', nb.read_text())
        if m: res[m.group(1)] = nb.relative_to(NBS).as_posix()
    return res

def problems(methods=True):
    "[(module, kind, message)] for every public name without `show_doc` or with undocumented parameters; and a count."
    calls, res, n = show_doc_calls(), [], 0
    for py in sorted(LIB.glob('*.py')):
        if py.stem.startswith('_'): continue
        mod = importlib.import_module(f'jetatag.{py.stem}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)): continue
            if getattr(obj, '__module__', None) != mod.__name__: continue   # re-exported from another module
            n += 1
            if name not in calls: res.append((py.stem, 'no show_doc', name))
            targets = [(name, obj.__init__ if inspect.isclass(obj) and '__init__' in vars(obj) else obj)]
            if inspect.isclass(obj) and methods:
                for k, m in public_methods(obj):
                    n += 1
                    if f'{name}.{k}' not in calls: res.append((py.stem, 'no show_doc', f'{name}.{k}'))
                    else: targets.append((f'{name}.{k}', m))
            for tn, f in targets:
                if not inspect.isfunction(f): continue
                bad = undocumented_params(f)
                if bad: res.append((py.stem, 'no docments comment', f"{tn}({', '.join(bad)})"))
    return res, n

def main(methods=True, verbose=False, as_json=False):
    res, n = problems(methods)
    nbs = module_notebooks()
    if as_json:
        print(json.dumps([dict(module=m, notebook=nbs.get(m, ''), kind=k, name=x) for m, k, x in res]))
        return 1 if res else 0
    for m, k, x in res:
        what = 'no show_doc cell for' if k == 'no show_doc' else 'no docments comment for the parameter(s) of'
        print(f"{nbs.get(m, m)}: {what} {m}.{x}")
    if verbose or not res:
        print(f"{n} public names checked: {sum(k == 'no show_doc' for _, k, _ in res)} without show_doc, "
              f"{sum(k != 'no show_doc' for _, k, _ in res)} with undocumented parameters")
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
