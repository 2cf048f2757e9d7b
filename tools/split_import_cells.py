#!/usr/bin/env python
"""Split notebook cells that mix top-level imports with other code into an import cell and a code cell.

nbdev's docs build (`nbdev-proc-nbs`, `nbdev-docs`) executes every cell that contains an import, so a test cell such as
`import tempfile; x = make_things(); test_eq(...)` runs during the docs build without the cells before it, and fails.
Usage: python tools/split_import_cells.py nbs/00_core.ipynb [...]   (add --check to only report, exit 1 if any)
"""
import ast, sys, nbformat

def split(path, check=False):
    nb = nbformat.read(path, as_version=4)
    out, n = [], 0
    for c in nb.cells:
        src = c.source
        if c.cell_type != 'code' or any(l.strip().startswith('#| export') or l.strip().startswith('#|export') for l in src.splitlines()):
            out.append(c); continue
        try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('%') and not l.lstrip().startswith('!')))
        except SyntaxError: out.append(c); continue
        if 'nbdev_export()' in src: out.append(c); continue
        imps = [t for t in tree.body if isinstance(t, (ast.Import, ast.ImportFrom))]
        nested = [t for t in ast.walk(tree) if isinstance(t, (ast.Import, ast.ImportFrom))]
        code = [t for t in tree.body if not isinstance(t, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
        if not nested or not code: out.append(c); continue
        n += 1
        if check: print(f"{path}: cell mixes imports and code:\n{src[:200]}\n"); out.append(c); continue
        lines = src.splitlines()
        keep = set()
        for t in imps: keep.update(range(t.lineno - 1, t.end_lineno))
        dirs = [l for l in lines if l.startswith('#|')]
        imp_src = '\n'.join(dirs + [lines[i] for i in sorted(keep)])
        rest = '\n'.join(l for i, l in enumerate(lines) if i not in keep)
        if len(imps) != len(nested): print(f"{path}: imports inside functions/blocks left in place:\n{src[:200]}\n")
        out.append(nbformat.v4.new_code_cell(imp_src)); c.source = rest.strip('\n'); out.append(c)
    if not check and n:
        nb.cells = out
        nbformat.write(nb, path)
    return n

if __name__ == '__main__':
    check = '--check' in sys.argv
    total = sum(split(p, check) for p in sys.argv[1:] if p != '--check')
    print(f"{total} mixed cell(s)")
    sys.exit(1 if check and total else 0)
