#!/usr/bin/env python
"""Local preview of the nbdev docs site, without Quarto.

    python tools/preview_docs.py [--out _site_preview] [--serve PORT] [--no-proc] [--force]

1. runs `nbdev-proc-nbs` (nbdev's own docs processing: show_doc cells executed and rendered, hidden and
   exported cells removed, directives turned into Quarto cell options) into `_proc/`;
2. renders every processed page with nbconvert's HTMLExporter (JupyterLab template, prompts hidden) and
   applies the Quarto behaviour the real site relies on: `echo`/`output`/`include` cell options,
   `output: asis` (show_doc), `code-fold` (`#| exports`), pandoc link/span attributes (`[source](url){...}`),
   fenced divs and callouts, pandoc-style heading ids, `.ipynb` and docs-site links made local;
3. adds a navbar, a sidebar (with `custom_sidebar = true`, the order and sections of nbs/sidebar.yml, as Quarto;
   otherwise nbdev's generated order, one section per sub-folder, e.g. "Tutorials"), an
   "On this page" table of contents and a site index (index.ipynb plus a list of pages);
4. writes it all into `--out` (default `_site_preview/`), and with `--serve PORT` serves it on 127.0.0.1.

The real site is built by Quarto in CI (`nbdev-docs`); this preview is close, not identical.
A notebook that `nbdev-proc-nbs` cannot process is rendered from its source with an error banner
(class `preview-error`), and the script exits with status 1 after building the rest.
`tools/check_docs.py` checks the result in headless Chromium.
"""
import argparse, functools, html, http.server, json, os, posixpath, re, shutil, subprocess, sys, tempfile, time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE_EXTS = ('.ipynb', '.qmd', '.md')
SKIP_COPY = {'_quarto.yml', 'nbdev.yml', 'sidebar.yml', '_metadata.yml', '_brand.yml'}

# ---------------------------------------------------------------------------------------------------------
# configuration

def load_config():
    "Project settings the preview needs, from nbdev's config (pyproject.toml)."
    from nbdev.config import get_config
    cfg = get_config(str(ROOT))
    site_url = (str(cfg.get('doc_host') or '') + str(cfg.get('doc_baseurl') or '')).rstrip('/')
    ny = Path(cfg.nbs_path)/'nbdev.yml'
    if ny.exists():
        try: site_url = (yaml.safe_load(ny.read_text()) or {}).get('website', {}).get('site-url', site_url).rstrip('/')
        except Exception: pass
    return dict(nbs=Path(cfg.nbs_path), proc=Path(cfg.config_path)/'_proc', lib=Path(cfg.lib_path), title=cfg.get('title') or cfg.get('lib_name'),
                description=cfg.get('description', ''), site_url=site_url, git_url=cfg.get('git_url', ''),
                custom_sidebar=str(cfg.get('custom_sidebar', False)).lower() in ('true', '1', 'yes'))

def nbpath2html(p):
    "nbdev's page name for a notebook: numeric prefix stripped, lower case, `.html` (nbdev.config.nbpath2html)."
    p = Path(p)
    return p.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.name.lower())).with_suffix('.html')

# ---------------------------------------------------------------------------------------------------------
# step 1: nbdev-proc-nbs

def source_pages(nbs):
    "Pages in nbdev's sidebar order: (relative path, section folder or None). Skips `_*`/`.*` files and folders."
    res = []
    for dirpath, dirnames, filenames in os.walk(nbs):
        dirnames[:] = [d for d in dirnames if not re.match(r'^[_.]', d) and d != 'www']
        for f in filenames:
            if re.match(r'^[_.]', f) or not f.endswith(PAGE_EXTS): continue
            res.append(Path(dirpath, f).relative_to(nbs))
    def key(p):
        name = '00' if p.name.startswith('index.') else p.name
        return (p.parent.as_posix() if p.parent != Path('.') else '', name)
    return sorted(res, key=key)

def _proc_cmd():
    exe = Path(sys.executable).parent/'nbdev-proc-nbs'
    return [str(exe)] if exe.exists() else [shutil.which('nbdev-proc-nbs') or 'nbdev-proc-nbs']

def _err_tail(text, n=25):
    "The informative end of nbdev-proc-nbs's stderr: nbdev's 'Error in notebook ... in cell N' message if any."
    lines = [l for l in text.strip().splitlines() if 'WARNING: Location' not in l]
    starts = [i for i, l in enumerate(lines) if l.startswith('Exception: Error')]
    if starts: return '\n'.join(lines[starts[-1]:][:n])
    return '\n'.join(lines[-n:])

def _stale(src, dst):
    return not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime

def run_proc(cfg, force=False, quiet=False):
    "Run `nbdev-proc-nbs` (isolating notebooks that fail). Returns {relative path: error text}."
    nbs, proc = cfg['nbs'], cfg['proc']
    # nbdev-proc-nbs also regenerates nbs/sidebar.yml (put back as it was afterwards) and <lib>/_modidx.py
    # (left as written: it is what nbdev-export writes from the same <lib>/*.py files).
    sidebar = nbs/'sidebar.yml'
    old_sidebar = sidebar.read_bytes() if sidebar.exists() else None
    env = dict(os.environ, MPLBACKEND=os.environ.get('MPLBACKEND', 'Agg'), PYTHONWARNINGS='ignore')
    shim = None
    if not shutil.which('quarto'):
        # nbdev-proc-nbs only checks that quarto exists (and tries to install it otherwise); it never runs it.
        shim = Path(tempfile.mkdtemp(prefix='quarto-shim-'))
        (shim/'quarto').write_text('#!/bin/sh\necho "quarto is not installed (preview_docs.py shim)" >&2\nexit 1\n')
        (shim/'quarto').chmod(0o755)
        env['PATH'] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
    errors, pages = {}, source_pages(nbs)
    def todo(): return [r for r in pages if r.suffix == '.ipynb' and r.as_posix() not in errors and _stale(nbs/r, proc/r)]
    def run(args):
        return subprocess.run(_proc_cmd() + args, cwd=ROOT, env=env, capture_output=True, text=True)
    def only(rels): return ['--file-re', '^(' + '|'.join(re.escape(p.name) for p in rels) + ')$']
    # nbdev-proc-nbs wipes all of _proc/ when pyproject.toml's mtime is newer than _proc/. When its content is
    # what the last run saw, mark _proc/ fresh instead, so a `touch` (or a rewrite with the same text) does not
    # cost a full reprocessing. Notebooks that failed are not retried until they or the library change.
    import hashlib
    stamp, fails_f = proc/'.preview-pyproject.sha256', proc/'.preview-failures.json'
    cfg_hash = hashlib.sha256((ROOT/'pyproject.toml').read_bytes()).hexdigest()
    lib_mtime = max([f.stat().st_mtime for f in cfg['lib'].rglob('*.py') if f.name != '_modidx.py'] or [0])
    def key(rel): return [(nbs/rel).stat().st_mtime, lib_mtime, cfg_hash]
    known = {}
    if not force and proc.exists() and stamp.exists() and stamp.read_text() == cfg_hash:
        os.utime(proc)
        try: known = json.loads(fails_f.read_text()) if fails_f.exists() else {}
        except Exception: known = {}
    for rel in pages:
        k = known.get(rel.as_posix())
        if k and k['key'] == key(rel) and _stale(nbs/rel, proc/rel): errors[rel.as_posix()] = k['error']
    if errors and not quiet: print(f"nbdev-proc-nbs: not retrying {len(errors)} unchanged notebook(s) that failed last time (--force retries)")
    try:
        for attempt in range(3):
            stale = todo()
            if not stale and (attempt or errors): break
            t = time.time()
            r = run((['--force'] if force else []) if attempt == 0 and not errors else only(stale))
            if not quiet:
                print(f"nbdev-proc-nbs ({len(stale)} notebooks to process): "
                      f"{'ok' if r.returncode == 0 else 'failed, isolating notebooks'} ({time.time()-t:.0f}s)")
            if r.returncode == 0: continue
            found = False
            for rel in todo():
                r2 = run(['--file-glob', rel.name, '--n-workers', '0'])
                if r2.returncode:
                    errors[rel.as_posix()] = _err_tail(r2.stderr or r2.stdout) or 'nbdev-proc-nbs failed'; found = True
                    known[rel.as_posix()] = dict(key=key(rel), error=errors[rel.as_posix()])
            if not found and not todo(): errors['(nbdev-proc-nbs)'] = _err_tail(r.stderr or r.stdout); break
        for rel in todo(): errors[rel.as_posix()] = 'not processed by nbdev-proc-nbs (notebook changed while it ran? run again)'
        if proc.exists():
            stamp.write_text(cfg_hash)
            fails_f.write_text(json.dumps({k: v for k, v in known.items() if k in errors}, indent=1))
    finally:
        if old_sidebar is None: sidebar.unlink(missing_ok=True)
        elif sidebar.read_bytes() != old_sidebar: sidebar.write_bytes(old_sidebar)
        if shim: shutil.rmtree(shim, ignore_errors=True)
    return errors

# ---------------------------------------------------------------------------------------------------------
# step 2a: Quarto-flavoured markdown -> markdown that mistune (nbconvert) renders

_re_fence = re.compile(r'^( {0,3})(`{3,}|~{3,})')

def _split_code(md):
    "Split markdown into [(is_code_block, text)] on fenced code blocks, so rewrites never touch code."
    out, buf, fence = [], [], None
    for line in md.splitlines(keepends=True):
        m = _re_fence.match(line)
        if fence is None and m:
            if buf: out.append((False, ''.join(buf)))
            buf, fence = [line], m.group(2)
        elif fence is not None and m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) \
                and not line.strip()[len(m.group(2)):].strip():
            buf.append(line); out.append((True, ''.join(buf))); buf, fence = [], None
        else: buf.append(line)
    if buf: out.append((fence is not None, ''.join(buf)))
    return out

_re_attr_tok = re.compile(r'''([#.][\w:.-]+)|([\w-]+)=("[^"]*"|'[^']*'|[^\s}]+)''')

def parse_attrs(s):
    "Pandoc attributes `{#id .cls key=val}` -> dict of HTML attributes."
    ids, classes, kv = [], [], {}
    for m in _re_attr_tok.finditer(s):
        if m.group(1):
            (ids if m.group(1)[0] == '#' else classes).append(m.group(1)[1:])
        else:
            v = m.group(3)
            if v[:1] in '"\'': v = v[1:-1]
            kv[m.group(2)] = v
    res = {}
    if ids: res['id'] = ids[0]
    if classes: res['class'] = ' '.join(classes)
    res.update(kv)
    return res

def _attr_str(d): return ''.join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in d.items())

_re_link_attr = re.compile(r'(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"([^"]*)")?\)\{([^{}\n]*)\}')
_re_span_attr = re.compile(r'(?<![!\]\\])\[([^\[\]\n]+)\]\{([^{}\n]*)\}')
_re_hdr_attr = re.compile(r'^(#{1,6}\s.*?)\s*\{([^{}\n]*)\}\s*$', re.MULTILINE)
_re_div_open = re.compile(r'^:::+\s*(?:\{([^{}]*)\}|([\w-]+))\s*$')
_re_div_close = re.compile(r'^:::+\s*$')
_callouts = dict(note='Note', tip='Tip', warning='Warning', important='Important', caution='Caution')

def _link_sub(m):
    bang, text, url, title, attrs = m.groups()
    a = parse_attrs(attrs)
    if title: a['title'] = title
    if bang:
        return f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(text, quote=True)}"{_attr_str(a)} />'
    return f'<a href="{html.escape(url, quote=True)}"{_attr_str(a)}>{text}</a>'

def _hdr_sub(m):
    a = parse_attrs(m.group(2))
    if not a and not re.search(r'[#.=]', m.group(2)): return m.group(0)   # `{}` that is not an attribute list
    hid = a.get('id', '')
    marker = f' <span class="hdr-attrs" data-id="{html.escape(hid, quote=True)}" data-class="{html.escape(a.get("class", ""), quote=True)}"></span>'
    return m.group(1) + marker

def _divs(text):
    "Pandoc fenced divs (`::: {.callout-note}` ... `:::`) -> HTML divs around markdown."
    out, stack = [], []
    for line in text.splitlines(keepends=True):
        mo, mc = _re_div_open.match(line.strip()), _re_div_close.match(line.strip())
        if mo:
            a = parse_attrs(mo.group(1)) if mo.group(1) is not None else {'class': mo.group(2)}
            classes = a.get('class', '').split()
            kind = next((c.split('-', 1)[1] for c in classes if c.startswith('callout-') and c.split('-', 1)[1] in _callouts), None)
            title = a.pop('title', None)
            for k in ('collapse', 'appearance', 'icon'): a.pop(k, None)
            if kind:
                a['class'] = ' '.join(['callout'] + classes)
                head = f'<div class="callout-title">{html.escape(title or _callouts[kind])}</div>'
            else: head = ''
            out.append(f'\n<div{_attr_str(a)}>{head}\n\n'); stack.append(1)
        elif mc and stack:
            stack.pop(); out.append('\n</div>\n\n')
        else: out.append(line)
    out.extend('\n</div>\n' for _ in stack)
    return ''.join(out)

def quarto_md(md):
    "Rewrite the Quarto/pandoc markdown features nbdev pages use into CommonMark + HTML."
    if not md: return md
    parts = []
    for is_code, text in _split_code(md):
        if not is_code:
            text = _re_link_attr.sub(_link_sub, text)
            text = _re_span_attr.sub(lambda m: f'<span{_attr_str(parse_attrs(m.group(2)))}>{m.group(1)}</span>', text)
            text = _re_hdr_attr.sub(_hdr_sub, text)
            text = re.sub(r'\{\{<\s*pagebreak\s*>\}\}', '', text)
        parts.append(text)
    md = ''.join(parts)
    if ':::' in md:
        parts = [t if c else _divs(t) for c, t in _split_code(md)]
        md = ''.join(parts)
    return md

# ---------------------------------------------------------------------------------------------------------
# step 2b: Quarto cell options -> notebook edits nbconvert understands

_re_opt = re.compile(r'^\s*#\|\s?(.*)$')

def split_options(src):
    "Leading `#| key: value` lines -> (options dict, remaining source)."
    lines, opts, i = src.splitlines(), {}, 0
    while i < len(lines):
        m = _re_opt.match(lines[i])
        if not m:
            if lines[i].strip() == '' and i + 1 < len(lines) and _re_opt.match(lines[i+1]): i += 1; continue
            break
        body = m.group(1).strip()
        if ':' in body:
            k, v = body.split(':', 1)
            try: v = yaml.safe_load(v) if v.strip() else True
            except Exception: v = v.strip()
            opts[k.strip()] = v
        elif body: opts[body.split()[0]] = ' '.join(body.split()[1:]) or True
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def _falsy(v): return v is False or str(v).lower() in ('false', 'no', '0')

def _asis_markdown(outputs):
    res = []
    for o in outputs:
        if o.get('output_type') == 'stream': res.append(''.join(o.get('text', '')))
        elif o.get('output_type') in ('execute_result', 'display_data'):
            d = o.get('data', {})
            for mime in ('text/markdown', 'text/html', 'text/plain'):
                if mime in d:
                    v = d[mime]; res.append(''.join(v) if isinstance(v, list) else v); break
        else: return None   # errors: keep the normal output rendering
    return '\n\n'.join(res)

def _tags(cell):
    return cell.setdefault('metadata', {}).setdefault('tags', [])

def prepare_nb(nb, source_mode=False):
    """Apply Quarto cell options and markdown rewrites to a processed notebook, in place.
    Returns the page frontmatter (title, description, ...). `source_mode`: `nb` is an unprocessed
    source notebook (the fallback for notebooks nbdev-proc-nbs could not process): also apply nbdev's
    hide/export rules and take the title from the first `# heading`."""
    import nbformat
    fm, cells = {}, []
    for i, cell in enumerate(nb.cells):
        src = cell.get('source', None)
        if src is None: continue
        if isinstance(src, list): src = ''.join(src)
        ct = cell.get('cell_type')
        if ct == 'raw':
            m = re.match(r'^\s*---\s*\n(.*?)\n---\s*$', src, re.S)
            if m and not fm:
                try: fm = yaml.safe_load(m.group(1)) or {}
                except Exception: fm = {}
                continue
            fmt = (cell.get('metadata', {}).get('raw_mimetype') or cell.get('metadata', {}).get('format') or '').lower()
            if fmt in ('text/html', 'html', 'text/markdown', 'markdown', 'md'):
                cell = nbformat.v4.new_markdown_cell(src)
                ct, cell['source'] = 'markdown', src
            else: continue
        if ct == 'markdown':
            if src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            if source_mode and not fm and not cells:
                m = re.match(r'^\s*#\s+(.+?)\s*\n(?:\s*\n)*(?:>\s*(.+?)\s*(?:\n|$))?(.*)$', src + '\n', re.S)
                if m:
                    fm = {'title': m.group(1)}
                    if m.group(2): fm['description'] = m.group(2)
                    src = m.group(3).strip()
                    if not src: continue
            cell['source'] = quarto_md(src)
            cells.append(cell); continue
        if ct != 'code': continue
        md = cell.get('metadata', {})   # execnb's timing metadata is not valid nbformat: keep only what we use
        cell['metadata'] = {k: md[k] for k in ('language', 'tags') if k in md}
        opts, body = split_options(src)
        if source_mode and (opts.keys() & {'hide', 'export', 'exporti', 'default_exp'}): continue
        if source_mode and re.match(r'^show_doc\(', body.strip()):   # what nbdev's clean_show_doc does
            opts.setdefault('echo', False); opts.setdefault('output', 'asis')
        if _falsy(opts.get('include', True)): continue
        outputs = cell.get('outputs', [])
        if _falsy(opts.get('output', True)): outputs = cell['outputs'] = []
        if str(opts.get('output', '')).lower() == 'asis' and outputs:
            md = _asis_markdown(outputs)
            if md is not None:
                if not _falsy(opts.get('echo', True)) and body.strip():
                    code = nbformat.v4.new_code_cell(body); code['metadata'] = {'language': cell.get('metadata', {}).get('language', 'python')}
                    cells.append(code)
                mdc = nbformat.v4.new_markdown_cell(quarto_md(md)); mdc['metadata'] = {'tags': ['asis']}
                cells.append(mdc); continue
        for o in outputs:
            d = o.get('data', {})
            if 'text/markdown' in d:
                v = d['text/markdown']; d['text/markdown'] = quarto_md(''.join(v) if isinstance(v, list) else v)
        if _falsy(opts.get('echo', True)) or not body.strip(): _tags(cell).append('remove_input')
        fold = opts.get('code-fold')
        if fold is not None and not _falsy(fold) and body.strip():
            _tags(cell).append('code-fold-open' if str(fold).lower() == 'show' else 'code-fold')
            cell['metadata']['code_summary'] = str(opts.get('code-summary', 'Code'))
        if 'fig-cap' in opts: cell['metadata']['fig_cap'] = str(opts['fig-cap'])
        cell['source'] = body
        if 'remove_input' in _tags(cell) and not outputs: continue
        cells.append(cell)
    nb.cells = cells
    return fm

# ---------------------------------------------------------------------------------------------------------
# step 2c: nbconvert

TEMPLATE = r"""
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
{%- if "widgets" in nb.metadata -%}<script src="{{ resources.require_js_url }}"></script>{%- endif -%}
{%- endblock html_head_js -%}
{%- block notebook_css -%}
<link rel="stylesheet" href="{{ resources.site.root }}_static/jupyter.css">
<link rel="stylesheet" href="{{ resources.site.root }}_static/preview.css">
{%- if resources.site.project_css %}<link rel="stylesheet" href="{{ resources.site.root }}styles.css">{% endif -%}
{%- endblock notebook_css -%}
{%- block html_head_js_mathjax -%}{%- if resources.site.math -%}{{ super() }}{%- endif -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- if resources.site.mermaid -%}{{ super() }}{%- endif -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<meta name="generator" content="jetatag tools/preview_docs.py">{%- endblock html_head_css -%}
{%- block body_header -%}
<body class="jp-Notebook docs" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<header class="docs-navbar"><a class="docs-brand" href="{{ resources.site.root }}index.html">{{ resources.site.site_title | e }}</a>
<span class="docs-badge">local preview</span>{%- if resources.site.repo_url %}<a class="docs-repo" href="{{ resources.site.repo_url }}">GitHub</a>{% endif -%}</header>
<div class="docs-layout">
<nav class="docs-sidebar" aria-label="Pages">{{ resources.site.sidebar }}</nav>
<main class="docs-main">
{{ resources.site.banner }}
<header class="docs-title"><h1 class="title">{{ resources.site.title_html }}</h1>
{%- if resources.site.description %}<p class="description">{{ resources.site.description_html }}</p>{% endif -%}
</header>
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.site.after }}
</main>
<nav class="docs-toc" aria-label="On this page"></nav>
</div>
</body>
{% endblock body_footer %}
{% block input_group -%}
{%- set tags = cell.metadata.get('tags', []) -%}
{%- if 'code-fold' in tags or 'code-fold-open' in tags -%}
<details class="code-fold"{% if 'code-fold-open' in tags %} open{% endif %}><summary>{{ cell.metadata.get('code_summary', 'Code') | e }}</summary>
{{ super() }}
</details>
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock input_group %}
{% block outputs %}
{{ super() }}
{%- if cell.metadata.get('fig_cap') %}<p class="fig-caption">{{ cell.metadata.fig_cap | e }}</p>{% endif -%}
{% endblock outputs %}
"""

@functools.lru_cache(None)
def exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = False   # True re-parses each inline HTML tag alone and empties `<a ...>text</a>`
    c.HTMLExporter.sanitize_html = False
    return HTMLExporter(config=c, template_name='lab', extra_loaders=[DictLoader({'preview.html.j2': TEMPLATE})],
                        template_file='preview.html.j2')

def jupyter_css():
    "JupyterLab's notebook CSS (the lab template inlines 250 kB of it in every page; we write it once)."
    from nbconvert.exporters.templateexporter import TemplateExporter
    e = exporter()
    for d in e.template_paths:
        idx = Path(d)/'static'/'index.css'
        if idx.exists() and (Path(d)/'static'/'theme-light.css').exists():
            return idx.read_text() + '\n' + (Path(d)/'static'/'theme-light.css').read_text()
    return ''

PREVIEW_CSS = r"""
:root { --docs-accent: #2780e3; --docs-nav-h: 52px; --docs-fg: #343a40; --docs-muted: #6c757d; --docs-border: #dee2e6;
        --docs-code-bg: #f6f8fa; --jp-content-font-size1: 16px; --jp-code-font-size: 13.5px; --jp-content-link-color: var(--docs-accent);
        --jp-ui-font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        --jp-content-font-family: var(--jp-ui-font-family);
        --jp-code-font-family: "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; }
html, body.docs { margin: 0; padding: 0; background: #fff; }
body.docs { font-family: var(--jp-ui-font-family); color: var(--docs-fg); font-size: 16px; line-height: 1.6; overflow: visible; height: auto; }
body.docs.jp-Notebook { padding: 0; }
.docs-navbar { position: sticky; top: 0; z-index: 20; height: var(--docs-nav-h); display: flex; align-items: center; gap: 1rem;
               padding: 0 1.5rem; background: var(--docs-accent); color: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.docs-navbar a { color: #fff; text-decoration: none; }
.docs-brand { font-weight: 600; font-size: 1.2rem; }
.docs-badge { font-size: .75rem; opacity: .85; border: 1px solid rgba(255,255,255,.6); border-radius: 3px; padding: 0 .4rem; }
.docs-repo { margin-left: auto; font-size: .9rem; opacity: .9; }
.docs-layout { display: grid; grid-template-columns: 250px minmax(0, 1fr) 230px; max-width: 1480px; margin: 0 auto; }
.docs-sidebar { position: sticky; top: var(--docs-nav-h); align-self: start; max-height: calc(100vh - var(--docs-nav-h));
                overflow-y: auto; padding: 1.5rem .75rem 2rem 1.25rem; font-size: .92rem; box-sizing: border-box; }
.docs-sidebar ul { list-style: none; margin: 0; padding: 0; }
.docs-sidebar li a { display: block; padding: .28rem .6rem; border-radius: 4px; color: #495057; text-decoration: none; line-height: 1.35; }
.docs-sidebar li a:hover { background: #f1f3f5; color: var(--docs-accent); }
.docs-sidebar li a.active { color: var(--docs-accent); background: #e7f1fc; font-weight: 600; }
.docs-sidebar .docs-section { margin: 1.1rem 0 .3rem; padding: 0 .6rem; font-size: .75rem; font-weight: 700; letter-spacing: .06em;
                              text-transform: uppercase; color: var(--docs-muted); }
.docs-main { min-width: 0; padding: 1.5rem 2.5rem 5rem; border-left: 1px solid var(--docs-border); }
.docs-toc { position: sticky; top: var(--docs-nav-h); align-self: start; max-height: calc(100vh - var(--docs-nav-h)); overflow-y: auto;
            padding: 1.6rem 1rem; font-size: .83rem; box-sizing: border-box; }
.docs-toc:empty { display: none; }
.docs-toc .toc-title { font-weight: 600; margin-bottom: .4rem; color: var(--docs-fg); }
.docs-toc ul { list-style: none; margin: 0; padding: 0 0 0 .6rem; border-left: 1px solid var(--docs-border); }
.docs-toc ul ul { border-left: none; padding-left: .8rem; }
.docs-toc a { display: block; color: var(--docs-muted); text-decoration: none; padding: .12rem 0; overflow-wrap: anywhere; }
.docs-toc a:hover { color: var(--docs-accent); }
@media (max-width: 1150px) { .docs-layout { grid-template-columns: 230px minmax(0, 1fr); } .docs-toc { display: none; } }
@media (max-width: 760px) { .docs-layout { grid-template-columns: minmax(0, 1fr); } .docs-sidebar { display: none; } .docs-main { padding: 1rem; border: none; } }
.docs-title { margin: .5rem 0 1.5rem; }
.docs-title h1.title { font-size: 2.3rem; font-weight: 600; margin: 0 0 .3rem; line-height: 1.2; }
.docs-title .description { font-size: 1.2rem; color: var(--docs-muted); margin: 0; font-style: normal; }
/* cells */
.docs .jp-Cell { padding: 0; margin: 0 0 .9rem 0; }
.docs .jp-Cell-inputWrapper, .docs .jp-Cell-outputWrapper { display: block; }
.docs .jp-InputPrompt, .docs .jp-OutputPrompt, .docs .jp-Collapser { display: none; }
/* JupyterLab lays cells out as tables (prompt | content); without prompts, plain blocks fill the column */
.docs .jp-InputArea, .docs .jp-OutputArea-child, .docs .jp-InputArea-editor, .docs .jp-OutputArea-output,
.docs .jp-InputArea > .jp-RenderedHTMLCommon { display: block; width: auto; overflow: visible; }
.docs .jp-CodeCell .jp-InputArea-editor { border: 1px solid #e6e9ec; border-radius: 5px; background: var(--docs-code-bg); overflow: hidden; }
.docs .jp-CodeCell .jp-InputArea-editor .cm-editor { background: transparent; }
.docs .jp-CodeCell .jp-InputArea-editor .highlight { background: transparent; margin: 0; }
.docs .jp-CodeCell .jp-InputArea-editor pre { padding: .6rem .9rem; margin: 0; font-size: var(--jp-code-font-size); line-height: 1.45; overflow-x: auto; }
.docs .jp-OutputArea { margin-top: .35rem; }
.docs .jp-OutputArea-output { padding: 0; overflow-x: auto; }
.docs .jp-OutputArea-executeResult .jp-RenderedText.jp-OutputArea-output { padding-top: 0; }
.docs .jp-OutputArea-output > pre, .docs .jp-RenderedText > pre { margin: 0 0 0 .8rem; padding: .3rem .8rem; border-left: 2px solid lightsalmon;
    font-size: var(--jp-code-font-size); line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; }
.docs .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] { background: #fff5f5; }
.docs .jp-RenderedImage, .docs .jp-RenderedSVG { padding-left: .8rem; box-sizing: border-box; }
.docs .jp-OutputArea-output img { max-width: 100%; height: auto; margin: 0; }
.docs .jp-RenderedHTMLCommon { font-size: 1rem; line-height: 1.6; padding-right: 0; color: var(--docs-fg); }
.docs .jp-RenderedHTMLCommon p { margin: 0 0 .9rem; }
.docs .jp-RenderedHTMLCommon h1, .docs .jp-RenderedHTMLCommon h2, .docs .jp-RenderedHTMLCommon h3, .docs .jp-RenderedHTMLCommon h4 {
    font-weight: 600; line-height: 1.25; margin: 1.6rem 0 .8rem; }
.docs .jp-RenderedHTMLCommon h1 { font-size: 2rem; } .docs .jp-RenderedHTMLCommon h2 { font-size: 1.6rem; border-bottom: 1px solid var(--docs-border); padding-bottom: .3rem; }
.docs .jp-RenderedHTMLCommon h3 { font-size: 1.3rem; } .docs .jp-RenderedHTMLCommon h4 { font-size: 1.1rem; }
.docs .jp-RenderedHTMLCommon :is(h1,h2,h3,h4,h5,h6):first-child { margin-top: .6rem; }
.docs .jp-RenderedHTMLCommon a.anchor-link { display: inline; visibility: hidden; margin-left: .35rem; font-size: .8em; text-decoration: none; color: var(--docs-muted); }
.docs .jp-RenderedHTMLCommon :is(h1,h2,h3,h4,h5,h6):hover a.anchor-link { visibility: visible; }
.docs .jp-RenderedHTMLCommon code { font-family: var(--jp-code-font-family); font-size: .88em; background: #f1f3f5; color: #7d12ba; padding: .1em .3em; border-radius: 3px; }
.docs .jp-RenderedHTMLCommon a code { color: inherit; }
.docs .jp-RenderedHTMLCommon :is(h1,h2,h3,h4,h5,h6) code, .docs-title code { background: none; color: inherit; padding: 0; font-size: .92em; }
.docs .jp-RenderedHTMLCommon pre code, .docs .jp-RenderedHTMLCommon .highlight code { background: none; color: inherit; padding: 0; font-size: inherit; }
.docs .jp-RenderedHTMLCommon .highlight { background: var(--docs-code-bg); border: 1px solid #e6e9ec; border-radius: 5px; margin: 0 0 1rem; }
.docs .jp-RenderedHTMLCommon .highlight pre, .docs .jp-RenderedHTMLCommon > pre { padding: .6rem .9rem; margin: 0; font-size: var(--jp-code-font-size); line-height: 1.45; overflow-x: auto; background: none; }
.docs .jp-RenderedHTMLCommon table { border-collapse: collapse; margin: 0 0 1rem; font-size: .92rem; table-layout: auto; }
.docs .jp-RenderedHTMLCommon th, .docs .jp-RenderedHTMLCommon td { border: 1px solid var(--docs-border); padding: .3rem .6rem; text-align: left; vertical-align: top; }
.docs .jp-RenderedHTMLCommon thead th { background: #f8f9fa; }
.docs .jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #fcfcfd; }
.docs .jp-RenderedHTMLCommon tbody tr:hover { background: #f1f6fd; }
.docs .jp-RenderedHTMLCommon blockquote { margin: 0 0 1rem; padding: .2rem 1rem; border-left: 4px solid var(--docs-border); color: var(--docs-muted); }
.docs .jp-RenderedHTMLCommon hr { border: none; border-top: 1px solid var(--docs-border); margin: 1.5rem 0 .8rem; }
.docs .jp-RenderedHTMLCommon ul, .docs .jp-RenderedHTMLCommon ol { padding-left: 1.6rem; margin: 0 0 .9rem; }
.docs .jp-RenderedHTMLCommon li > p { margin: .2rem 0; }
.docs .jp-RenderedHTML.jp-OutputArea-output table, .docs .jp-OutputArea-output .dataframe { margin-left: .8rem; }
/* show_doc (output: asis) */
.docs .celltag_asis > hr:first-child { margin-top: 2rem; }
.docs .celltag_asis h2, .docs .celltag_asis h3, .docs .celltag_asis h4 { font-family: var(--jp-code-font-family); font-size: 1.15rem; border: none; margin: .4rem 0 .6rem; padding: 0; }
.docs .celltag_asis .highlight pre { white-space: pre-wrap; }
.docs .celltag_asis > p > em:only-child { font-style: normal; }
/* Quarto look-alikes */
.docs details.code-fold > summary { cursor: pointer; color: var(--docs-muted); font-size: .9rem; margin-bottom: .3rem; }
.docs .callout { border: 1px solid var(--docs-border); border-left: 5px solid #0d6efd; border-radius: 5px; padding: .2rem 1rem; margin: 0 0 1rem; }
.docs .callout-title { font-weight: 600; margin: .4rem 0; }
.docs .callout-tip { border-left-color: #198754; } .docs .callout-warning { border-left-color: #ffc107; }
.docs .callout-important { border-left-color: #dc3545; } .docs .callout-caution { border-left-color: #fd7e14; }
.docs .fig-caption { color: var(--docs-muted); font-size: .9rem; margin: .3rem 0 0 .8rem; }
.docs .column-margin, .docs .aside { font-size: .9rem; color: var(--docs-muted); }
.docs .preview-error { border: 2px solid #dc3545; background: #fff5f5; border-radius: 6px; padding: .8rem 1rem; margin: 0 0 1.5rem; }
.docs .preview-error pre { white-space: pre-wrap; font-size: 12.5px; margin: .5rem 0 0; }
.docs .site-index dt { font-weight: 600; margin-top: .6rem; } .docs .site-index dd { margin: 0 0 0 1rem; color: var(--docs-muted); }
"""

# ---------------------------------------------------------------------------------------------------------
# step 2d: HTML post-processing (heading ids, local links, table of contents)

def pandoc_id(text):
    "pandoc's auto_identifiers: keep alphanumerics, `_-.`; spaces -> `-`; lower case; drop up to the first letter."
    text = unicodedata.normalize('NFC', text).strip().lower()
    text = ''.join(c for c in text if c.isalnum() or c in '_-. \n\t')
    text = re.sub(r'\s+', '-', text)
    text = re.sub(r'^[^a-z\u00c0-\uffff]+', '', text)
    return text or 'section'

def _rel(from_page, to_page):
    "Relative URL from page path `from_page` to `to_page` (both posix, relative to the site root)."
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or '.')

def postprocess(page_html, page, pages_by_src, pages_by_out, site_url):
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(page_html, 'html.parser')
    main = soup.find('main', class_='docs-main')
    used = {t['id'] for t in soup.find_all(id=True)}
    toc = []
    for h in main.find_all(re.compile(r'^h[1-6]$')):
        if h.find_parent('header', class_='docs-title'): continue
        marker = h.find('span', class_='hdr-attrs')
        want, extra_cls = '', ''
        if marker:
            want, extra_cls = marker.get('data-id', ''), marker.get('data-class', '')
            marker.decompose()
        anchor = h.find('a', class_='anchor-link')
        text = ''.join(s for s in h.find_all(string=True) if not (anchor and s.parent is anchor)).strip()
        old = h.get('id')
        if old: used.discard(old)
        hid = want or pandoc_id(text)
        base, n = hid, 1
        while hid in used: hid = f'{base}-{n}'; n += 1
        used.add(hid); h['id'] = hid
        if extra_cls: h['class'] = h.get('class', []) + extra_cls.split()
        if anchor: anchor['href'] = '#' + hid
        if h.name in ('h2', 'h3') and 'unlisted' not in extra_cls.split() and text:
            toc.append((h.name, hid, text))
    # links: docs-site URLs and links to notebooks/qmd become links to the local pages
    for tag, attr in (('a', 'href'), ('img', 'src')):
        for el in main.find_all(tag):
            url = el.get(attr)
            if not url: continue
            new = local_url(url, page, pages_by_src, pages_by_out, site_url)
            if new is not None: el[attr] = new
    for a in main.find_all('a', href=True):
        if a['href'].startswith(('http://', 'https://')) and not a.get('target'): a['target'] = '_blank'; a['rel'] = 'noopener'
    nav = soup.find('nav', class_='docs-toc')
    if toc and nav is not None:
        frag = ['<div class="toc-title">On this page</div><ul>']
        open3 = False
        for lvl, hid, text in toc:
            if lvl == 'h3':
                if not open3: frag.append('<ul>'); open3 = True
            elif open3: frag.append('</ul>'); open3 = False
            frag.append(f'<li><a href="#{html.escape(hid, quote=True)}">{html.escape(text)}</a></li>')
        if open3: frag.append('</ul>')
        frag.append('</ul>')
        nav.append(BeautifulSoup(''.join(frag), 'html.parser'))
    return str(soup)

def local_url(url, page, pages_by_src, pages_by_out, site_url):
    "A local relative URL for `url` when it points into this site (docs URL, .ipynb/.qmd/.md source); else None."
    if url.startswith(('data:', 'mailto:', 'javascript:', '#')): return None
    parts = urlsplit(url)
    if parts.scheme in ('http', 'https'):
        if not site_url: return None
        su = urlsplit(site_url)
        if parts.netloc != su.netloc or not (parts.path + '/').startswith(su.path.rstrip('/') + '/'): return None
        path = parts.path[len(su.path.rstrip('/')):].lstrip('/')
        if path == '' or path.endswith('/'): path += 'index.html'
        if path.endswith('.html.md'): path = path[:-3]
        if path.endswith('.md') and path[:-3] + '.html' in pages_by_out: path = path[:-3] + '.html'
        target = path
    elif parts.scheme or parts.netloc: return None
    else:
        if not parts.path: return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
        if target.endswith(PAGE_EXTS) and target in pages_by_src: target = pages_by_src[target]
        elif parts.path.endswith(PAGE_EXTS):
            stem = posixpath.splitext(target)[0]
            cands = [o for s, o in pages_by_src.items() if posixpath.splitext(s)[0] == stem]
            if cands: target = cands[0]
            else: return None
        else: return None
    return urlunsplit(('', '', _rel(page, target), parts.query, parts.fragment))

# ---------------------------------------------------------------------------------------------------------
# step 3: site structure

def nav_entries(cfg, pages):
    """[(section or None, page)] in sidebar order. With `custom_sidebar = true` in pyproject.toml, follows the
    checked-in nbs/sidebar.yml; otherwise nbdev's default order (index first, one section per sub-folder)."""
    by_src = {p['src']: p for p in pages}
    sb = cfg['nbs']/'sidebar.yml'
    if cfg['custom_sidebar'] and sb.exists():
        res, seen = [], set()
        def walk(items, section):
            for it in items or []:
                if isinstance(it, str): src = it
                elif isinstance(it, dict) and 'section' in it:
                    if it.get('href') in by_src: res.append((it['section'], by_src[it['href']])); seen.add(it['href'])
                    walk(it.get('contents'), it['section']); continue
                elif isinstance(it, dict): src = it.get('href') or it.get('file') or ''
                else: continue
                if src in by_src and src not in seen: res.append((section, by_src[src])); seen.add(src)
        try: walk(((yaml.safe_load(sb.read_text()) or {}).get('website', {}).get('sidebar', {}) or {}).get('contents'), None)
        except Exception: res = []
        if res: return res + [(None, p) for p in pages if p['src'] not in seen]
    res = []
    for p in pages:
        parent = posixpath.dirname(p['src'])
        section = None
        if parent:
            section = ' / '.join(re.sub(r'^\d+_', '', s).replace('_', ' ').replace('-', ' ') for s in parent.split('/'))
            section = section[:1].upper() + section[1:]
        res.append((section, p))
    return res

def sidebar_html(entries, current):
    out, section = [], None
    out.append('<ul>')
    for sec, p in entries:
        if sec != section:
            if sec: out.append(f'</ul><div class="docs-section">{html.escape(sec)}</div><ul>')
            else: out.append('</ul><ul>')
            section = sec
        cls = ' class="active" aria-current="page"' if p['out'] == current else ''
        out.append(f'<li><a href="{html.escape(_rel(current, p["out"]), quote=True)}"{cls}>{inline_md(p["title"])}</a></li>')
    out.append('</ul>')
    return ''.join(out)

def inline_md(text):
    "Markdown of a title or description (frontmatter) -> inline HTML, as Quarto renders them."
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    res = markdown2html_mistune(quarto_md(str(text))).strip()
    m = re.fullmatch(r'<p>(.*)</p>', res, re.S)
    return m.group(1) if m else res

def site_index_html(entries, current):
    rows = ['<h2 id="pages-in-this-site">Pages in this site</h2><dl class="site-index">']
    section = None
    for sec, p in entries:
        if p['out'] == current: continue
        if sec != section and sec: rows.append(f'</dl><h3 id="{pandoc_id(sec)}-pages">{html.escape(sec)}</h3><dl class="site-index">')
        section = sec
        rows.append(f'<dt><a href="{html.escape(_rel(current, p["out"]), quote=True)}">{inline_md(p["title"])}</a></dt>')
        if p.get('description'): rows.append(f'<dd>{inline_md(p["description"])}</dd>')
    rows.append('</dl>')
    return '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown site-index-wrap">' + ''.join(rows) + '</div>'

# ---------------------------------------------------------------------------------------------------------
# build

def read_page(cfg, rel, errors):
    "Load one page as a notebook and prepare it; returns (nb, frontmatter, error text or '')."
    import nbformat
    src, proc = cfg['nbs']/rel, cfg['proc']/rel
    err = errors.get(rel.as_posix(), '')
    if rel.suffix == '.ipynb':
        path, source_mode = (proc, False) if (proc.exists() and not err) else (src, True)
        nb = nbformat.read(str(path), as_version=4)
        fm = prepare_nb(nb, source_mode=source_mode)
    else:
        text = (proc if proc.exists() else src).read_text()
        fm = {}
        m = re.match(r'^---\s*\n(.*?)\n---\s*\n', text, re.S)
        if m:
            try: fm = yaml.safe_load(m.group(1)) or {}
            except Exception: fm = {}
            text = text[m.end():]
        if rel.suffix == '.qmd': text = re.sub(r'^```\{(\w+)[^}]*\}', r'```\1', text, flags=re.M)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(quarto_md(text))])
    return nb, fm, err

def build(cfg, out, errors, quiet=False):
    out = Path(out)
    if out.exists(): shutil.rmtree(out)
    (out/'_static').mkdir(parents=True)
    (out/'_static'/'jupyter.css').write_text(jupyter_css())
    (out/'_static'/'preview.css').write_text(PREVIEW_CSS)
    # static files (images, styles.css, ...) next to the pages, as Quarto does
    copy_root = cfg['proc'] if cfg['proc'].exists() else cfg['nbs']
    for f in copy_root.rglob('*'):
        rel = f.relative_to(copy_root)
        if f.is_dir() or f.suffix in PAGE_EXTS or f.name in SKIP_COPY or any(p.startswith('.') for p in rel.parts): continue
        if f.suffix == '.py' and copy_root == cfg['nbs']: continue
        (out/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/rel)
    if not (out/'styles.css').exists() and (cfg['nbs']/'styles.css').exists(): shutil.copy2(cfg['nbs']/'styles.css', out/'styles.css')

    pages = []
    for rel in source_pages(cfg['nbs']):
        try: nb, fm, err = read_page(cfg, rel, errors)
        except Exception as e:
            nb, fm, err = None, {}, f'could not read {rel}: {type(e).__name__}: {e}'
        outname = fm.get('output-file') or nbpath2html(rel).name
        outp = posixpath.join(posixpath.dirname(rel.as_posix()), outname) if rel.parent != Path('.') else outname
        title = fm.get('title') or rel.stem
        pages.append(dict(src=rel.as_posix(), out=outp, nb=nb, fm=fm, err=err, title=str(title),
                          description=str(fm.get('description', '') or '')))
    pages_by_src = {p['src']: p['out'] for p in pages}
    pages_by_out = {p['out'] for p in pages}
    entries = nav_entries(cfg, pages)
    has_index = 'index.html' in pages_by_out
    e = exporter()
    failed = []
    for p in pages:
        t = time.time()
        page, nb = p['out'], p['nb']
        if nb is None:
            import nbformat
            nb = nbformat.v4.new_notebook()
        banner = ''
        if p['err']:
            failed.append(p['src'])
            why = ('nbdev-proc-nbs could not process {}; the real docs build (nbdev-docs) fails the same way.'
                   if p['err'].startswith(('Exception', 'Error')) else '{} was not processed by nbdev-proc-nbs.')
            banner = (f'<div class="preview-error"><strong>{why.format("<code>" + html.escape(p["src"]) + "</code>")}'
                      f' Shown below: the source notebook, without show_doc output.</strong><pre>{html.escape(p["err"])}</pre></div>')
        md_text = '\n'.join(c.source for c in nb.cells if c.cell_type == 'markdown')
        site = dict(root=_rel(page, '.') + '/' if '/' in page else '', site_title=cfg['title'], title=p['title'],
                    description=p['description'], sidebar=sidebar_html(entries, page), banner=banner,
                    title_html=inline_md(p['title']), description_html=inline_md(p['description']),
                    after=site_index_html(entries, page) if page == 'index.html' else '',
                    math=bool(re.search(r'\$[^$\s][^$]*\$|\\\(|\\\[', md_text)), mermaid='mermaid' in md_text,
                    project_css=(out/'styles.css').exists(), repo_url=cfg['git_url'])
        if site['root'] == './': site['root'] = ''
        res = {'metadata': {'name': p['title']}, 'site': site}
        try:
            body, _ = e.from_notebook_node(nb, resources=res)
        except Exception as ex:
            import nbformat
            failed.append(p['src'])
            msg = f'nbconvert could not render {p["src"]}: {type(ex).__name__}: {ex}'
            p['err'] = (p['err'] + '\n' + msg).strip()
            site['banner'] = banner + (f'<div class="preview-error"><strong>nbconvert could not render <code>{html.escape(p["src"])}</code></strong>'
                                       f'<pre>{html.escape(type(ex).__name__ + ": " + str(ex))}</pre></div>')
            body, _ = e.from_notebook_node(nbformat.v4.new_notebook(), resources=res)
        body = postprocess(body, page, pages_by_src, pages_by_out, cfg['site_url'])
        (out/page).parent.mkdir(parents=True, exist_ok=True)
        (out/page).write_text(body, encoding='utf-8')
        if not quiet: print(f"  {p['src']:<34} -> {page:<28} {time.time()-t:4.1f}s{'  ERROR' if p['err'] else ''}")
    if not has_index:   # a bare site index
        import nbformat
        site = dict(root='', site_title=cfg['title'], title=cfg['title'], description=cfg['description'],
                    title_html=html.escape(cfg['title']), description_html=inline_md(cfg['description']),
                    sidebar=sidebar_html(entries, 'index.html'), banner='', after=site_index_html(entries, 'index.html'),
                    math=False, mermaid=False, project_css=(out/'styles.css').exists(), repo_url=cfg['git_url'])
        body, _ = e.from_notebook_node(nbformat.v4.new_notebook(), resources={'metadata': {'name': cfg['title']}, 'site': site})
        (out/'index.html').write_text(postprocess(body, 'index.html', pages_by_src, pages_by_out, cfg['site_url']), encoding='utf-8')
    (out/'_pages.json').write_text(json.dumps([dict(src=p['src'], out=p['out'], title=p['title'], error=p['err'])
                                               for p in pages] + ([] if has_index else [dict(src='', out='index.html', title=cfg['title'], error='')]), indent=1))
    return pages, sorted(set(failed))

def serve(out, port):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    with http.server.ThreadingHTTPServer(('127.0.0.1', port), handler) as httpd:
        print(f'Serving {out} at http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)')
        try: httpd.serve_forever()
        except KeyboardInterrupt: pass

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default='_site_preview', help='output folder (default: _site_preview)')
    ap.add_argument('--serve', type=int, metavar='PORT', help='serve the site on 127.0.0.1:PORT after building')
    ap.add_argument('--no-proc', action='store_true', help='skip nbdev-proc-nbs and render the existing _proc/')
    ap.add_argument('--force', action='store_true', help='reprocess every notebook (nbdev-proc-nbs --force)')
    ap.add_argument('-q', '--quiet', action='store_true')
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    cfg = load_config()
    out = Path(a.out) if Path(a.out).is_absolute() else ROOT/a.out
    errors = {} if a.no_proc else run_proc(cfg, force=a.force, quiet=a.quiet)
    if a.no_proc:
        for rel in source_pages(cfg['nbs']):
            if rel.suffix != '.ipynb' or not _stale(cfg['nbs']/rel, cfg['proc']/rel): continue
            if (cfg['proc']/rel).exists(): print(f'note: _proc/{rel} is older than the notebook; rendering it anyway')
            else: errors[rel.as_posix()] = 'no _proc/ copy (run without --no-proc)'
    if not a.quiet: print(f'rendering into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/')
    pages, failed = build(cfg, out, errors, quiet=a.quiet)
    for k, v in errors.items():
        if k not in {p['src'] for p in pages}: failed.append(k); print(f'ERROR {k}:\n{v}', file=sys.stderr)
    print(f"{len(pages)} pages written to {out}/" + (f"; {len(failed)} with errors: {', '.join(failed)}" if failed else ''))
    for p in pages:
        if p['err']: print(f"--- {p['src']}\n{p['err']}", file=sys.stderr)
    if a.serve is not None: serve(out, a.serve)
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
