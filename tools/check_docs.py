#!/usr/bin/env python
"""Check the local docs preview (`tools/preview_docs.py`) in headless Chromium.

    python tools/check_docs.py [--site _site_preview] [--height 2000] [--jobs 2] [--no-screens] [PAGE ...]

Serves the site on 127.0.0.1 (a free port), opens every page in headless Chromium (`--dump-dom` for the
rendered DOM, `--screenshot` into `<site>/_screens/`), and checks each page for:

- broken internal links: every local href (pages, stylesheets, anchors `page.html#id`) must exist;
  links to the docs site's own URL (nbdev.yml `site-url`) are checked against the local pages too;
- images: every <img> has a non-empty src that is a decodable data: URI or an existing, non-empty file;
- Python tracebacks in the outputs, and pages that preview_docs.py marked as failed (`.preview-error`);
- leftovers: raw nbdev/Quarto directives (`#| ...`) and unrendered markdown or pandoc syntax in text
  (`**`, ``` fences, `:::`, `](url)`, `{target=...}`, `{{< >}}`, `# heading` lines);
- the library's public names without a `show_doc` cell or docments parameter comments (`tools/check_show_doc.py`),
  reported on the page of the notebook that defines them (`--no-show-doc` skips this);
- with `custom_sidebar = true` (pyproject.toml): pages missing from nbs/sidebar.yml, and entries there with no page.

Prints a short report; exits 1 when something is broken (warnings alone exit 0), 2 when it cannot run.
Needs Debian's chromium (`apt-get install -y chromium`) or $CHROMIUM pointing at a Chrome/Chromium binary.
"""
import argparse, base64, binascii, functools, http.server, os, posixpath, re, shutil, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--mute-audio']
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr'}
CODE_TAGS = {'pre', 'code', 'script', 'style', 'textarea', 'svg', 'math', 'kbd', 'samp'}

def show_doc_problems():
    "{notebook (relative to nbs/): [message]} from tools/check_show_doc.py; {'': [error]} if it cannot run."
    import json
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_show_doc.py'), '--json'], capture_output=True, text=True, cwd=ROOT)
    try: items = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else None
    except ValueError: items = None
    if items is None: return {'': [f'tools/check_show_doc.py failed (rc={r.returncode}): {r.stderr.strip()[-300:]}']}
    res = {}
    for it in items:
        what = {'no show_doc': 'no show_doc cell for', 'shown twice': 'documented twice (remove the explicit show_doc of a patched method):'}.get(
            it['kind'], 'no docments comment for the parameters of')
        res.setdefault(it['notebook'], []).append(f"{what} {it['module']}.{it['name']}")
    return res

def sidebar_problems(pages):
    "{page source: [message]}: pages missing from nbs/sidebar.yml and its entries without a page (custom_sidebar only)."
    py, sb = ROOT/'pyproject.toml', ROOT/'nbs'/'sidebar.yml'
    if not (py.exists() and re.search(r'^\s*custom_sidebar\s*=\s*(true|"true"|1)', py.read_text(), re.M | re.I)): return {}
    if not sb.exists(): return {'index.ipynb': ['custom_sidebar = true but nbs/sidebar.yml does not exist']}
    import yaml
    listed = []
    def walk(items):
        for it in items or []:
            if isinstance(it, str): listed.append(it)
            elif isinstance(it, dict):
                if it.get('href') or it.get('file'): listed.append(it.get('href') or it.get('file'))
                walk(it.get('contents'))
    try: walk(((yaml.safe_load(sb.read_text()) or {}).get('website', {}).get('sidebar', {}) or {}).get('contents'))
    except Exception as e: return {'index.ipynb': [f'nbs/sidebar.yml does not parse: {e}']}
    srcs, res = {p['src'] for p in pages if p.get('src')}, {}
    for s in sorted(srcs - set(listed)): res.setdefault(s, []).append('page is not in nbs/sidebar.yml (custom_sidebar = true): add it')
    for s in listed:
        if s not in srcs and not s.startswith(('http:', 'https:')): res.setdefault('index.ipynb', []).append(f'nbs/sidebar.yml lists {s}, which is not a page')
    return res

def find_chromium():
    for c in [os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if c and (shutil.which(c) or Path(c).exists()): return shutil.which(c) or c
    return None

def site_url():
    "The published docs URL (nbs/nbdev.yml `site-url`), so absolute links to it can be checked locally."
    ny = ROOT/'nbs'/'nbdev.yml'
    if not ny.exists(): return ''
    m = re.search(r'^\s*site-url:\s*"?([^"\n]+?)"?\s*$', ny.read_text(), re.M)
    return m.group(1).rstrip('/') if m else ''

# ---------------------------------------------------------------------------------------------------------

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def start_server(site):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f'http://127.0.0.1:{httpd.server_address[1]}/'

def chrome(exe, args, timeout=60):
    with tempfile.TemporaryDirectory(prefix='chk-chrome-') as prof:
        r = subprocess.run([exe, *CHROME_FLAGS, f'--user-data-dir={prof}', *args], capture_output=True,
                           text=True, timeout=timeout, errors='replace')
    return r

# ---------------------------------------------------------------------------------------------------------

class Page(HTMLParser):
    "What the checks need from one rendered DOM."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.imgs, self.texts = set(), [], [], []
        self.stack, self.code, self.pre, self.err_depth, self.stderr_depth = [], 0, 0, 0, 0
        self.errors_banner, self.stderr_texts, self.main_text, self.in_main = [], [], 0, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        if tag == 'a' and 'href' in a: self.links.append(('a', a.get('href') or ''))
        if tag == 'link' and 'stylesheet' in (a.get('rel') or '') and 'href' in a: self.links.append(('link', a.get('href') or ''))
        if tag == 'script' and a.get('src'): self.links.append(('script', a['src']))
        if tag == 'img': self.imgs.append(a.get('src') or '')
        if tag in VOID: return
        cls = (a.get('class') or '').split()
        code, err = tag in CODE_TAGS, 'preview-error' in cls
        stderr, main = a.get('data-mime-type') == 'application/vnd.jupyter.stderr', tag == 'main'
        if code: self.code += 1
        if tag == 'pre': self.pre += 1
        if err: self.err_depth += 1; self.errors_banner.append('')
        if stderr: self.stderr_depth += 1; self.stderr_texts.append('')
        if main: self.in_main += 1
        self.stack.append((tag, code, err, stderr, main))
    def handle_endtag(self, tag):
        if tag in VOID: return
        while self.stack:
            t, code, err, stderr, main = self.stack.pop()
            if code: self.code -= 1
            if t == 'pre': self.pre -= 1
            if err: self.err_depth -= 1
            if stderr: self.stderr_depth -= 1
            if main: self.in_main -= 1
            if t == tag: break
    def handle_data(self, data):
        if not data.strip(): return
        if self.err_depth: self.errors_banner[-1] += data; return
        if self.stderr_depth: self.stderr_texts[-1] += data
        if self.in_main: self.main_text += len(data.strip())
        self.texts.append(('pre' if self.pre else 'code' if self.code else 'text', data))

MD_LEFTOVERS = [
    (re.compile(r'\*\*\S'), 'literal ** (unrendered bold)'),
    (re.compile(r'```|~~~'), 'literal code fence'),
    (re.compile(r'(^|\n)\s*:::'), 'literal ::: (pandoc fenced div)'),
    (re.compile(r'\]\((https?://|\.{0,2}/|#)[^)\s]*\)'), 'literal [text](url) link'),
    (re.compile(r'\{(target|style|width|height|fig-\w+)=|\{[#.][\w-]+\}'), 'literal pandoc {attributes}'),
    (re.compile(r'\{\{<'), 'literal Quarto shortcode {{< >}}'),
    (re.compile(r'^\s*#{1,6} \w'), 'literal markdown heading'),
    (re.compile(r'(?<![`\w])`[^`\s][^`\n]*`(?![`\w])'), 'literal `code` (unrendered inline code)'),
]
DIRECTIVE = re.compile(r'(^|\n)[ \t]*#\|[ \t]*[\w-]+')
TRACEBACK = re.compile(r'Traceback \(most recent call last\)')

def snippet(text, m, w=40):
    s = text[max(0, m.start()-w):m.end()+w].replace('\n', ' ').strip()
    return s if len(s) < 110 else s[:107] + '...'

def resolve(href, page_url_path, base, site, surl):
    "Local file path (relative to the site) and fragment for an internal href; None for external links."
    parts = urlsplit(href)
    if parts.scheme in ('mailto', 'javascript', 'data', 'tel'): return None
    if parts.scheme in ('http', 'https') or href.startswith('//'):
        b, s = urlsplit(base), urlsplit(surl) if surl else None
        if parts.netloc == b.netloc: path = parts.path
        elif s and parts.netloc == s.netloc and (parts.path + '/').startswith(s.path.rstrip('/') + '/'):
            path = '/' + parts.path[len(s.path.rstrip('/')):].lstrip('/')
        else: return None
    else:
        path = parts.path if parts.path.startswith('/') else posixpath.join(posixpath.dirname(page_url_path), parts.path) if parts.path else page_url_path
    path = posixpath.normpath(unquote(path)).lstrip('/')
    if path in ('', '.'): path = 'index.html'
    if (site/path).is_dir(): path = posixpath.join(path, 'index.html')
    return path, unquote(parts.fragment)

def check_img(src, page_path, site):
    if not src.strip(): return 'empty src'
    if src.startswith('data:'):
        head, _, data = src.partition(',')
        if not data: return 'empty data: URI'
        if ';base64' in head:
            try: raw = base64.b64decode(data, validate=False)
            except (binascii.Error, ValueError): return 'data: URI is not valid base64'
            if len(raw) < 16: return 'data: URI image is (nearly) empty'
            if 'image/png' in head and not raw.startswith(b'\x89PNG'): return 'data: URI is not a PNG'
        return None
    parts = urlsplit(src)
    if parts.scheme in ('http', 'https'): return 'external image (not checked offline)'
    f = site/posixpath.normpath(posixpath.join(posixpath.dirname(page_path), unquote(parts.path)))
    if not f.exists(): return f'missing file {src}'
    if f.stat().st_size == 0: return f'empty file {src}'
    return None

# ---------------------------------------------------------------------------------------------------------

def visit(exe, base, page, site, screens, height, do_screens):
    "Dump the DOM (and take a screenshot) of one page. Returns (page, dom or None, error, seconds)."
    t = time.time()
    url = base + page
    try:
        r = chrome(exe, ['--dump-dom', url])
        dom = r.stdout if r.returncode == 0 and '<html' in r.stdout else None
        err = '' if dom else f'chromium --dump-dom failed (rc={r.returncode}): {r.stderr.strip()[-300:]}'
        if do_screens:
            shot = screens/(page.replace('/', '__').rsplit('.', 1)[0] + '.png')
            r2 = chrome(exe, [f'--screenshot={shot}', f'--window-size=1280,{height}', url])
            if not shot.exists() or shot.stat().st_size < 1000: err += f' screenshot failed (rc={r2.returncode})'
    except subprocess.TimeoutExpired:
        dom, err = None, 'chromium timed out'
    return page, dom, err.strip(), time.time() - t

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('pages', nargs='*', help='pages to check (paths relative to the site); default: all')
    ap.add_argument('--site', default='_site_preview', help='site folder (default: _site_preview)')
    ap.add_argument('--height', type=int, default=2000, help='screenshot window height (default 2000)')
    ap.add_argument('--jobs', type=int, default=2, help='pages opened in parallel (default 2)')
    ap.add_argument('--no-screens', action='store_true', help='skip screenshots')
    ap.add_argument('--no-show-doc', action='store_true', help='skip the show_doc / docments check (tools/check_show_doc.py)')
    ap.add_argument('-v', '--verbose', action='store_true', help='list every problem (default: first 8 per page and kind)')
    a = ap.parse_args(argv)
    site = Path(a.site) if Path(a.site).is_absolute() else ROOT/a.site
    if not (site/'index.html').exists():
        print(f'{site}/index.html not found: run python tools/preview_docs.py first'); return 2
    exe = find_chromium()
    if not exe: print('chromium not found: apt-get install -y chromium (or set $CHROMIUM)'); return 2
    all_pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html')
                       if not any(s.startswith('_') for s in p.relative_to(site).parts))
    pages = a.pages or all_pages
    screens = site/'_screens'
    if not a.no_screens:
        shutil.rmtree(screens, ignore_errors=True); screens.mkdir(parents=True)
    surl = site_url()
    # checks of the sources, reported on the pages they concern
    import json
    try: site_pages = json.loads((site/'_pages.json').read_text())
    except Exception: site_pages = []
    out_of = {p['src']: p['out'] for p in site_pages if p.get('src')}
    extra = {}
    for src, msgs in sidebar_problems(site_pages).items():
        extra.setdefault(out_of.get(src, 'index.html'), []).extend(('sidebar', m) for m in msgs)
    if not a.no_show_doc:
        for src, msgs in show_doc_problems().items():
            extra.setdefault(out_of.get(src, 'index.html'), []).extend(('undocumented', m) for m in msgs)
    httpd, base = start_server(site)
    t0 = time.time()
    try:
        with ThreadPoolExecutor(max(1, a.jobs)) as ex:
            results = list(ex.map(lambda p: visit(exe, base, p, site, screens, a.height, not a.no_screens), pages))
    finally: httpd.shutdown()

    parsed = {}
    for page, dom, err, _ in results:
        if dom is None: continue
        pp = Page(); pp.feed(dom); pp.close(); parsed[page] = pp
    def ids_of(path):
        if path not in parsed:
            f = site/path
            if not f.exists() or f.suffix != '.html': return None
            pp = Page(); pp.feed(f.read_text(errors='replace')); pp.close(); parsed[path] = pp
        return parsed[path].ids

    n_bad, n_warn = 0, 0
    print(f'checked {len(pages)} pages of {site} in {time.time()-t0:.1f}s with {Path(exe).name}'
          + ('' if a.no_screens else f'; screenshots in {screens.relative_to(ROOT) if screens.is_relative_to(ROOT) else screens}/'))
    for page, dom, err, secs in results:
        problems, warnings = {}, {}
        def add(d, kind, msg): d.setdefault(kind, []).append(msg)
        if err: add(problems, 'browser', err)
        for kind, m in extra.get(page, []): add(problems, kind, m)
        pp = parsed.get(page)
        if pp is not None:
            for e in pp.errors_banner: add(problems, 'page failed to build', ' '.join(e.split())[:300])
            seen = set()
            for tag, href in pp.links:
                if (tag, href) in seen: continue
                seen.add((tag, href))
                if not href.strip(): add(problems, 'broken link', f'empty href on <{tag}>'); continue
                r = resolve(href, page, base, site, surl)
                if r is None: continue
                path, frag = r
                if not (site/path).exists(): add(problems, 'broken link', f'{href} -> {path} does not exist'); continue
                if frag:
                    ids = ids_of(path)
                    if ids is not None and frag not in ids: add(problems, 'broken link', f'{href} -> no #{frag} in {path}')
            for src in pp.imgs:
                m = check_img(src, page, site)
                if m and m.startswith('external'): add(warnings, 'image', f'{m}: {src[:80]}')
                elif m: add(problems, 'image does not load', f'{m} ({src[:60]})')
            for kind, text in pp.texts:   # kind: 'pre' (code blocks, outputs), 'code' (inline code, scripts), 'text'
                for m in TRACEBACK.finditer(text): add(problems, 'traceback in output', snippet(text, m, 60))
                if kind != 'code':
                    for m in DIRECTIVE.finditer(text): add(problems, 'leftover directive', snippet(text, m))
                if kind != 'text': continue
                for rx, what in MD_LEFTOVERS:
                    for m in rx.finditer(text): add(problems, 'unrendered markdown', f'{what}: "{snippet(text, m)}"')
            for t in pp.stderr_texts:
                if re.search(r'Warning|warn', t) and not TRACEBACK.search(t): add(warnings, 'warning printed in output', ' '.join(t.split())[:160])
            if pp.main_text < 40: add(warnings, 'page', 'almost no text in <main>')
        nb_p, nb_w = sum(map(len, problems.values())), sum(map(len, warnings.values()))
        n_bad += nb_p; n_warn += nb_w
        status = 'OK  ' if not nb_p else 'FAIL'
        print(f'{status} {page:<30} {secs:4.1f}s' + (f'  {nb_p} problem(s)' if nb_p else '') + (f'  {nb_w} warning(s)' if nb_w else ''))
        for d, label in ((problems, ''), (warnings, 'warning: ')):
            for kind, msgs in d.items():
                shown = msgs if a.verbose else msgs[:8]
                for m in shown: print(f'     {label}{kind}: {m}')
                if len(msgs) > len(shown): print(f'     ... and {len(msgs)-len(shown)} more {kind} (use -v)')
    print(f'{len(pages)} pages, {n_bad} problem(s), {n_warn} warning(s)')
    return 1 if n_bad else 0

if __name__ == '__main__':
    sys.exit(main())
