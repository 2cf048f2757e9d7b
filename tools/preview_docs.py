#!/usr/bin/env python
"""Local preview of the nbdev docs site, without Quarto: nbdev's own processing, rendered by real pandoc.

    python tools/preview_docs.py [--out _site_preview] [--serve PORT] [--no-proc] [--force]

1. runs `nbdev-proc-nbs` (nbdev's docs processing, what `nbdev-docs` runs before Quarto: show_doc cells executed,
   hidden and exported cells removed, directives turned into Quarto cell options) into `_proc/`;
2. renders every processed page with pandoc (the `pypandoc-binary` wheel's; Quarto is pandoc plus filters), reading
   the notebook with pandoc's own ipynb reader (markdown cells and `text/markdown` outputs such as show_doc's are
   pandoc markdown: attributes, fenced divs, heading ids as on the real site; images are extracted next to the page);
   the Lua filter tools/preview_docs.lua applies the Quarto cell options (`echo`, `include`, `output`, `code-fold`)
   and points `.ipynb` sources and docs-site URLs at the local pages;
3. wraps each page in a navbar, the sidebar (nbs/sidebar.yml's order and sections with `custom_sidebar = true`, else
   nbdev's order) and pandoc's table of contents, and writes the site into `--out` (default `_site_preview/`);
4. checks what breaks a page for a reader: local links to pages, files and anchors that do not exist, images that
   are missing or empty, notebooks nbdev-proc-nbs cannot process (such a page is rendered from its source notebook
   with a red `preview-error` banner; the real docs build fails on it the same way).

Exits 1 when a check fails (after writing the whole site), 0 otherwise. `--serve PORT` then serves it on 127.0.0.1.
The real site is built by Quarto in CI (`nbdev-docs`); this preview is close, not identical.
`tools/check_docs.py` checks the result further in headless Chromium.
"""
import argparse, functools, hashlib, html, http.server, json, os, posixpath, re, shutil, subprocess, sys, tempfile, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent/'preview_docs.lua'
PAGE_EXTS = ('.ipynb', '.qmd', '.md')
SKIP_COPY = {'_quarto.yml', 'nbdev.yml', 'sidebar.yml', '_metadata.yml', '_brand.yml'}

# ---------------------------------------------------------------------------------------------------------
# configuration

def load_config():
    "Project settings the preview needs, from nbdev's config (pyproject.toml) and nbs/nbdev.yml."
    from nbdev.config import get_config
    cfg = get_config(str(ROOT))
    site_url = (str(cfg.get('doc_host') or '') + str(cfg.get('doc_baseurl') or '')).rstrip('/')
    ny = Path(cfg.nbs_path)/'nbdev.yml'
    if ny.exists():
        try: site_url = (yaml.safe_load(ny.read_text()) or {}).get('website', {}).get('site-url', site_url).rstrip('/')
        except Exception: pass
    return dict(nbs=Path(cfg.nbs_path), proc=Path(cfg.config_path)/'_proc', lib=Path(cfg.lib_path), title=cfg.get('title') or cfg.get('lib_name'),
                site_url=site_url, git_url=cfg.get('git_url', ''),
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
# step 2: pandoc

def pandoc_exe():
    "The pandoc binary of the pypandoc-binary wheel (or pandoc on the PATH)."
    try:
        import pypandoc
        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        exe = shutil.which('pandoc')
        if exe: return exe
        sys.exit('pandoc not found: pip install pypandoc-binary (it is in the dev extras: pip install -e ".[dev]")')

_re_fm = re.compile(r'^\s*---\s*\n(.*?)\n---\s*$', re.S)
_re_opt = re.compile(r'^\s*#\|\s*([\w-]+)', re.M)

def _src(cell): return ''.join(cell['source']) if isinstance(cell.get('source'), list) else cell.get('source', '')

def prepare_nb(nb, source_mode=False):
    """Make a processed notebook something pandoc's ipynb reader reads, and take out its frontmatter.
    Drops the frontmatter raw cell (returned as a dict) and nbdev's "autogenerated" comment; execution counts are
    made integers (nbdev-clean leaves nulls, which pandoc refuses); an output with markdown keeps only that. `source_mode`: `nb` is an unprocessed source
    notebook (the fallback when nbdev-proc-nbs fails on it): also drop hidden/exported cells, as nbdev would, and
    take the title and description from its first `# heading` and `> quote`."""
    fm, cells, n = {}, [], 0
    for cell in nb.get('cells', []):
        src, ct = _src(cell), cell.get('cell_type')
        if ct == 'raw':
            m = _re_fm.match(src)
            if m and not fm:
                try: fm = yaml.safe_load(m.group(1)) or {}
                except yaml.YAMLError: fm = {}
            continue
        if ct == 'markdown':
            if src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            if source_mode and not fm and not cells:
                m = re.match(r'^\s*#\s+(.+?)\s*\n(?:\s*\n)*(?:>\s*(.+?)\s*(?:\n|$))?(.*)$', src + '\n', re.S)
                if m:
                    fm = {'title': m.group(1), **({'description': m.group(2)} if m.group(2) else {})}
                    src = m.group(3).strip()
                    if not src: continue
            cells.append(dict(cell_type='markdown', metadata={}, source=src, **({'attachments': cell['attachments']} if cell.get('attachments') else {})))
            continue
        if ct != 'code': continue
        if source_mode and set(_re_opt.findall(src)) & {'hide', 'export', 'exporti', 'default_exp'}: continue
        n += 1
        outs = []
        for o in cell.get('outputs', []):
            o = dict(o)
            if o.get('output_type') in ('execute_result', 'display_data'):
                o.setdefault('metadata', {})
                # Quarto renders the markdown of show_doc's outputs (preview_docs.lua parses it), not their text/plain
                if 'text/markdown' in o.get('data', {}): o['data'] = {'text/markdown': o['data']['text/markdown']}
            if o.get('output_type') == 'execute_result': o['execution_count'] = n
            outs.append(o)
        cells.append(dict(cell_type='code', metadata={}, execution_count=n, source=src, outputs=outs))
    return fm, dict(nbformat=4, nbformat_minor=5, metadata={}, cells=cells)

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="jetatag tools/preview_docs.py (pandoc)">
<title>$pagetitle$ – $site_title$</title>
<style>
$highlighting-css$
</style>
<link rel="stylesheet" href="${root}_static/preview.css">
$if(project_css)$<link rel="stylesheet" href="${root}styles.css">$endif$
$if(math)$$math$$endif$
</head>
<body>
<header class="docs-navbar"><a class="docs-brand" href="${root}index.html">$site_title$</a><span class="docs-badge">local preview</span>
$if(repo_url)$<a class="docs-repo" href="$repo_url$">GitHub</a>$endif$</header>
<div class="docs-layout">
<nav class="docs-sidebar" aria-label="Pages">$sidebar$</nav>
<main class="docs-main">
$banner$
<header class="docs-title"><h1 class="title">$title$</h1>
$if(description)$<p class="description">$description$</p>$endif$
</header>
$body$
</main>
$if(toc)$<nav class="docs-toc" aria-label="On this page"><div class="toc-title">On this page</div>
$table-of-contents$
</nav>$endif$
</div>
</body>
</html>
"""

PREVIEW_CSS = r"""
:root { --accent: #2780e3; --nav-h: 52px; --fg: #343a40; --muted: #6c757d; --border: #dee2e6; --code-bg: #f6f8fa;
        --mono: SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--fg); }
a { color: var(--accent); }
.docs-navbar { position: sticky; top: 0; z-index: 20; height: var(--nav-h); display: flex; align-items: center; gap: 1rem;
               padding: 0 1.5rem; background: var(--accent); color: #fff; }
.docs-navbar a { color: #fff; text-decoration: none; } .docs-brand { font-weight: 600; font-size: 1.2rem; }
.docs-badge { font-size: .75rem; border: 1px solid rgba(255,255,255,.6); border-radius: 3px; padding: 0 .4rem; }
.docs-repo { margin-left: auto; }
.docs-layout { display: grid; grid-template-columns: 250px minmax(0, 1fr) 230px; max-width: 1480px; margin: 0 auto; }
.docs-sidebar, .docs-toc { position: sticky; top: var(--nav-h); align-self: start; max-height: calc(100vh - var(--nav-h));
                           overflow-y: auto; padding: 1.5rem 1rem; font-size: .9rem; box-sizing: border-box; }
.docs-sidebar ul, .docs-toc ul { list-style: none; margin: 0; padding: 0; } .docs-toc ul ul { padding-left: .8rem; }
.docs-sidebar a, .docs-toc a { display: block; padding: .2rem .5rem; color: #495057; text-decoration: none; }
.docs-sidebar a.active { color: var(--accent); background: #e7f1fc; font-weight: 600; border-radius: 4px; }
.docs-section { margin: 1rem 0 .3rem; padding: 0 .5rem; font-size: .75rem; font-weight: 700; text-transform: uppercase; color: var(--muted); }
.toc-title { font-weight: 600; }
.docs-main { min-width: 0; padding: 1.5rem 2.5rem 5rem; border-left: 1px solid var(--border); }
@media (max-width: 1150px) { .docs-layout { grid-template-columns: 230px minmax(0, 1fr); } .docs-toc { display: none; } }
.docs-title h1 { font-size: 2.2rem; margin: 0 0 .3rem; line-height: 1.2; } .description { font-size: 1.15rem; color: var(--muted); }
h2 { border-bottom: 1px solid var(--border); padding-bottom: .3rem; }
code { font-family: var(--mono); font-size: .88em; background: #f1f3f5; color: #7d12ba; padding: .1em .3em; border-radius: 3px; }
pre { background: var(--code-bg); border: 1px solid #e6e9ec; border-radius: 5px; padding: .6rem .9rem; overflow-x: auto; font-size: 13.5px; }
pre code, a code, h1 code, h2 code, h3 code, h4 code { background: none; color: inherit; padding: 0; }
.output pre { background: none; border: none; border-left: 2px solid lightsalmon; border-radius: 0; white-space: pre-wrap; }
.output img, img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--border); padding: .3rem .6rem; text-align: left; vertical-align: top; }
blockquote { margin: 0 0 1rem; padding: .2rem 1rem; border-left: 4px solid var(--border); color: var(--muted); }
details.code-fold > summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
[class^="callout-"], [class*=" callout-"] { border: 1px solid var(--border); border-left: 5px solid #0d6efd; border-radius: 5px; padding: .2rem 1rem; margin: 0 0 1rem; }
.callout-tip { border-left-color: #198754; } .callout-warning { border-left-color: #ffc107; } .callout-important { border-left-color: #dc3545; }
.preview-error { border: 2px solid #dc3545; background: #fff5f5; border-radius: 6px; padding: .8rem 1rem; margin: 0 0 1.5rem; }
.preview-error pre { white-space: pre-wrap; font-size: 12.5px; }
"""

def inline_md(pandoc, text):
    "Markdown of a title (frontmatter) -> inline HTML, as Quarto renders it."
    if not re.search(r'[`*_\[\\&<]', text): return html.escape(text)
    r = subprocess.run([pandoc, '-f', 'markdown', '-t', 'html'], input=text, capture_output=True, text=True)
    m = re.fullmatch(r'\s*<p>(.*)</p>\s*', r.stdout, re.S)
    return m.group(1) if r.returncode == 0 and m else html.escape(text)

def _rel(from_page, to_page):
    "Relative URL from page path `from_page` to `to_page` (both posix, relative to the site root)."
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or '.')

# ---------------------------------------------------------------------------------------------------------
# site structure

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
    out, section = ['<ul>'], None
    for sec, p in entries:
        if sec != section:
            out.append(f'</ul><div class="docs-section">{html.escape(sec)}</div><ul>' if sec else '</ul><ul>')
            section = sec
        cls = ' class="active" aria-current="page"' if p['out'] == current else ''
        out.append(f'<li><a href="{html.escape(_rel(current, p["out"]), quote=True)}"{cls}>{p["title_html"]}</a></li>')
    return ''.join(out + ['</ul>'])

def read_page(cfg, rel, errors):
    "(notebook dict or markdown text, frontmatter, error text or '') of one page."
    src, proc = cfg['nbs']/rel, cfg['proc']/rel
    err = errors.get(rel.as_posix(), '')
    if rel.suffix == '.ipynb':
        use_proc = proc.exists() and not err
        fm, nb = prepare_nb(json.loads((proc if use_proc else src).read_text()), source_mode=not use_proc)
        return nb, fm, err
    text = (proc if proc.exists() else src).read_text()
    m = re.match(r'^---\s*\n(.*?)\n---\s*\n', text, re.S)
    fm = {}
    if m:
        try: fm = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError: pass
        text = text[m.end():]
    return text, fm, err

def render(pandoc, page, doc, fm, out, site):
    "Render one page with pandoc into out/page. Returns pandoc's error text ('' when it worked)."
    dest = out/page
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='preview-') as tmp:
        tmp = Path(tmp)
        if isinstance(doc, dict): inp, fmt = tmp/'page.ipynb', 'ipynb'; inp.write_text(json.dumps(doc))
        else: inp, fmt = tmp/'page.md', 'markdown'; inp.write_text(doc)
        meta = dict(title=str(fm.get('title') or Path(page).stem), pagetitle=str(fm.get('title') or Path(page).stem),
                    page=page, pagemap=site['pagemap'], **{'site-url': site['site_url']})
        if fm.get('description'): meta['description'] = str(fm['description'])
        (tmp/'meta.yaml').write_text(yaml.safe_dump(meta, allow_unicode=True))
        (tmp/'page.html').write_text(TEMPLATE)
        root = _rel(page, '.') + '/' if '/' in page else ''
        vars_ = dict(site_title=site['title'], root=root, sidebar=sidebar_html(site['entries'], page), banner=site.get('banner', ''),
                     repo_url=site['repo_url'], project_css='1' if site['project_css'] else '')
        cmd = [pandoc, str(inp), '-f', fmt, '-t', 'html5', '--standalone', '--template', str(tmp/'page.html'),
               '--lua-filter', str(LUA), '--metadata-file', str(tmp/'meta.yaml'), '--toc', '--toc-depth=3', '--mathjax',
               '--extract-media', Path(page).stem + '_files', '-o', str(dest.resolve())]
        for k, v in vars_.items():
            if v: cmd += ['-V', f'{k}={v}']
        r = subprocess.run(cmd, cwd=dest.parent, capture_output=True, text=True)
    return '' if r.returncode == 0 else (r.stderr.strip() or f'pandoc exited {r.returncode}')

def build(cfg, out, errors, quiet=False):
    pandoc = pandoc_exe()
    out = Path(out)
    if out.exists(): shutil.rmtree(out)
    (out/'_static').mkdir(parents=True)
    (out/'_static'/'preview.css').write_text(PREVIEW_CSS)
    # static files (images, styles.css, ...) next to the pages, as Quarto does
    copy_root = cfg['proc'] if cfg['proc'].exists() else cfg['nbs']
    for f in copy_root.rglob('*'):
        rel = f.relative_to(copy_root)
        if f.is_dir() or f.suffix in PAGE_EXTS or f.suffix == '.py' or f.name in SKIP_COPY or any(p.startswith(('.', '_')) for p in rel.parts): continue
        (out/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/rel)
    pages = []
    for rel in source_pages(cfg['nbs']):
        try: doc, fm, err = read_page(cfg, rel, errors)
        except Exception as e: doc, fm, err = '', {}, f'could not read {rel}: {type(e).__name__}: {e}'
        outname = fm.get('output-file') or nbpath2html(rel).name
        outp = posixpath.join(posixpath.dirname(rel.as_posix()), outname) if rel.parent != Path('.') else outname
        title = str(fm.get('title') or rel.stem)
        pages.append(dict(src=rel.as_posix(), out=outp, doc=doc, fm=fm, err=err, title=title, title_html=inline_md(pandoc, title)))
    site = dict(title=cfg['title'], site_url=cfg['site_url'], repo_url=cfg['git_url'], project_css=(out/'styles.css').exists(),
                pagemap={p['src']: p['out'] for p in pages}, entries=nav_entries(cfg, pages))
    for p in pages:
        t = time.time()
        site['banner'] = ''
        if p['err']:
            why = ('nbdev-proc-nbs could not process {}; the real docs build (nbdev-docs) fails the same way.'
                   if p['err'].startswith(('Exception', 'Error')) else '{} was not processed by nbdev-proc-nbs.')
            site['banner'] = (f'<div class="preview-error"><strong>{why.format("<code>" + html.escape(p["src"]) + "</code>")}'
                              f' Shown below: the source notebook, without show_doc output.</strong><pre>{html.escape(p["err"])}</pre></div>')
        perr = render(pandoc, p['out'], p['doc'], p['fm'], out, site)
        if perr:
            p['err'] = (p['err'] + f'\npandoc could not render {p["src"]}: {perr}').strip()
            site['banner'] += f'<div class="preview-error"><strong>pandoc could not render <code>{html.escape(p["src"])}</code></strong><pre>{html.escape(perr)}</pre></div>'
            render(pandoc, p['out'], '', p['fm'], out, site)
        if not quiet: print(f"  {p['src']:<34} -> {p['out']:<28} {time.time()-t:4.1f}s{'  ERROR' if p['err'] else ''}")
    (out/'_pages.json').write_text(json.dumps([dict(src=p['src'], out=p['out'], title=p['title'], error=p['err']) for p in pages], indent=1))
    return pages

# ---------------------------------------------------------------------------------------------------------
# step 3: checks

class _Links(HTMLParser):
    "ids, links and image sources of one page."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.imgs = set(), [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        if tag == 'a' and a.get('href') is not None: self.links.append(a['href'])
        if tag == 'link' and 'stylesheet' in (a.get('rel') or '') and a.get('href'): self.links.append(a['href'])
        if tag == 'img': self.imgs.append(a.get('src') or '')

def check_site(out):
    "{page: [problem]}: local links (pages, files, #anchors) that lead nowhere, images that are missing or empty."
    out, parsed, res = Path(out), {}, {}
    def parse(page):
        if page not in parsed:
            p = _Links(); p.feed((out/page).read_text(errors='replace')); p.close(); parsed[page] = p
        return parsed[page]
    pages = sorted(f.relative_to(out).as_posix() for f in out.rglob('*.html') if not any(s.startswith('_') for s in f.relative_to(out).parts))
    for page in pages:
        pp, probs = parse(page), []
        for href in dict.fromkeys(pp.links):
            u = urlsplit(href)
            if u.scheme or u.netloc: continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(u.path))) if u.path else page
            if (out/target).is_dir(): target = posixpath.join(target, 'index.html')
            if not (out/target).is_file(): probs.append(f'broken link {href}: {target} does not exist'); continue
            if u.fragment and target.endswith('.html') and unquote(u.fragment) not in parse(target).ids:
                probs.append(f'broken link {href}: no #{unquote(u.fragment)} in {target}')
        for src in pp.imgs:
            u = urlsplit(src)
            if not src.strip(): probs.append('image with an empty src'); continue
            if u.scheme in ('http', 'https', 'data') or u.netloc: continue
            f = out/posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(u.path)))
            if not f.is_file() or f.stat().st_size == 0: probs.append(f'image {src} is missing or empty')
        if probs: res[page] = probs
    return res

def serve(out, port):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    with http.server.ThreadingHTTPServer(('127.0.0.1', port), handler) as httpd:
        print(f'Serving {out} at http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)')
        try: httpd.serve_forever()
        except KeyboardInterrupt: pass

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n\n'.join(__doc__.split('\n\n')[2:]))
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
    if not a.quiet: print(f'rendering with pandoc into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/')
    pages = build(cfg, out, errors, quiet=a.quiet)
    failed = [p['src'] for p in pages if p['err']] + [k for k in errors if k not in {p['src'] for p in pages}]
    for k in failed: print(f"--- {k}\n{errors.get(k) or next(p['err'] for p in pages if p['src'] == k)}", file=sys.stderr)
    broken = check_site(out)
    for page, probs in broken.items():
        for m in probs[:10]: print(f'{page}: {m}')
        if len(probs) > 10: print(f'{page}: ... and {len(probs)-10} more')
    print(f"{len(pages)} pages written to {out}/; {len(failed)} failed to build" + (f" ({', '.join(failed)})" if failed else '')
          + f"; {sum(map(len, broken.values()))} broken link(s)/image(s) on {len(broken)} page(s)")
    if a.serve is not None: serve(out, a.serve)
    return 1 if failed or broken else 0

if __name__ == '__main__':
    sys.exit(main())
