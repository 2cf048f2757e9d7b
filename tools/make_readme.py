#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (what `nbdev-readme` does, without Quarto): markdown cells as they are,
code cells as fenced Python with their text outputs. Usage: python tools/make_readme.py [--check]"""
import sys, nbformat
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
parts = []
for c in nb.cells:
    src = c.source.strip()
    if not src or src.startswith('#| hide') or '#| hide' in src.splitlines()[:2]: continue
    if c.cell_type == 'markdown':
        lines = src.splitlines()
        # nbdev's description line "> text" under the title
        parts.append('\n'.join(lines))
    elif c.cell_type == 'code':
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|'))
        parts.append(f"```python\n{code}\n```")
        for o in c.get('outputs', []):
            txt = o.get('text') or o.get('data', {}).get('text/plain')
            if txt: parts.append("```\n" + (''.join(txt) if isinstance(txt, list) else txt).rstrip() + "\n```")
text = "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->\n\n" + '\n\n'.join(parts) + '\n'
if '--check' in sys.argv:
    ok = (root/'README.md').read_text() == text
    print('README.md is up to date' if ok else 'README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
    sys.exit(0 if ok else 1)
(root/'README.md').write_text(text)
print('wrote README.md')
