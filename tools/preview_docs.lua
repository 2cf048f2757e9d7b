-- pandoc Lua filter for tools/preview_docs.py: the parts of Quarto's notebook rendering the preview needs.
-- Reads pandoc's ipynb reader output (cells are Divs with classes cell/code/markdown, outputs are Divs .output).
--   * text/markdown outputs (show_doc) are parsed as pandoc markdown, as Quarto does;
--   * Quarto cell options (`#| echo: false`, `#| include: false`, `#| output: false`, `#| code-fold: true`) on
--     code cells: applied, and the option lines removed from the code shown;
--   * links and images: `.ipynb`/`.qmd`/`.md` sources and URLs of the published site (metadata `site-url`) point
--     at the local pages, using the metadata `pagemap` (source path -> page path) and `page` (this page's path).

local function split(s, sep)
  local res = {}
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do res[#res + 1] = part end
  return res
end

local function dirname(p) return p:match('^(.*)/[^/]*$') or '' end

local function normpath(p)
  local out = {}
  for _, part in ipairs(split(p, '/')) do
    if part == '..' then if #out > 0 and out[#out] ~= '..' then table.remove(out) else out[#out + 1] = part end
    elseif part ~= '.' then out[#out + 1] = part end
  end
  return table.concat(out, '/')
end

local function relpath(from_page, to_page)
  -- relative URL from page `from_page` to `to_page` (both relative to the site root)
  local a, b = split(dirname(from_page), '/'), split(to_page, '/')
  local i = 1
  while i <= #a and i < #b and a[i] == b[i] do i = i + 1 end
  local parts = {}
  for _ = i, #a do parts[#parts + 1] = '..' end
  for j = i, #b do parts[#parts + 1] = b[j] end
  return table.concat(parts, '/')
end

local function falsy(v) return v == 'false' or v == 'no' or v == '0' end

local function cell_options(code)
  -- leading `#| key: value` lines -> options table, remaining code
  local opts, rest, head = {}, {}, true
  for line in (code .. '\n'):gmatch('(.-)\n') do
    local k, v = line:match('^%s*#|%s*([%w_-]+)%s*:?%s*(.-)%s*$')
    if head and k then
      if v == '' then v = 'true' end
      opts[k] = (v:gsub('^["\']', ''):gsub('["\']$', ''))
    elseif not (head and line:match('^%s*$')) then head = false; rest[#rest + 1] = line end
  end
  return opts, (table.concat(rest, '\n'):gsub('%s+$', ''))
end

local function code_cell(div)
  local code = div.content[1]
  if not code or code.t ~= 'CodeBlock' then return nil end
  local opts, body = cell_options(code.text)
  if falsy(opts['include'] or 'true') then return {} end
  local blocks = {}
  if not falsy(opts['echo'] or 'true') and body ~= '' then
    code.text = body
    local fold = opts['code-fold']
    if fold and not falsy(fold) then
      local open = fold == 'show' and ' open' or ''
      blocks[#blocks + 1] = pandoc.RawBlock('html', '<details class="code-fold"' .. open .. '><summary>'
        .. (opts['code-summary'] or 'Code') .. '</summary>')
      blocks[#blocks + 1] = code
      blocks[#blocks + 1] = pandoc.RawBlock('html', '</details>')
    else blocks[#blocks + 1] = code end
  end
  if not falsy(opts['output'] or 'true') then
    for i = 2, #div.content do blocks[#blocks + 1] = div.content[i] end
  end
  if #blocks == 0 then return {} end
  div.content = blocks
  return div
end

function Pandoc(doc)
  local meta = doc.meta
  local page = meta.page and pandoc.utils.stringify(meta.page) or ''
  local site = meta['site-url'] and pandoc.utils.stringify(meta['site-url']):gsub('/+$', '') or ''
  local pagemap, pages = {}, {}
  for k, v in pairs(meta.pagemap or {}) do
    local out = pandoc.utils.stringify(v)
    pagemap[k] = out; pages[out] = true
  end
  local function local_url(url)
    if url:match('^[%a][%w+.-]*:') == nil and url:sub(1, 1) ~= '#' and url:sub(1, 2) ~= '//' then
      local path, frag = url:match('^([^#?]*)(.*)$')
      if path == '' then return nil end
      local target = normpath((dirname(page) ~= '' and dirname(page) .. '/' or '') .. path)
      local stem = target:gsub('%.ipynb$', ''):gsub('%.qmd$', ''):gsub('%.md$', '')
      if stem == target then return nil end
      for src, out in pairs(pagemap) do
        if src:gsub('%.%w+$', '') == stem then return relpath(page, out) .. frag end
      end
      return nil
    end
    if site ~= '' and url:sub(1, #site + 1) == site .. '/' or url == site then
      local rest = url:sub(#site + 2)
      local path, frag = rest:match('^([^#?]*)(.*)$')
      if path == '' or path:sub(-1) == '/' then path = path .. 'index.html' end
      path = path:gsub('%.html%.md$', '.html')
      return relpath(page, path) .. frag
    end
    return nil
  end
  doc = doc:walk {
    -- text/markdown outputs (show_doc's, `output: asis`) come from the ipynb reader as raw markdown: parse them
    RawBlock = function(raw)
      if raw.format == 'markdown' then return pandoc.Div(pandoc.read(raw.text, 'markdown').blocks) end
    end,
  }
  doc = doc:walk {
    Div = function(div)
      if div.classes:includes('cell') and div.classes:includes('code') then return code_cell(div) end
    end,
  }
  return doc:walk {
    Link = function(l) local u = local_url(l.target); if u then l.target = u; return l end end,
    Image = function(i) local u = local_url(i.src); if u then i.src = u; return i end end,
  }
end
