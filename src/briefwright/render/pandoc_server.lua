-- briefwright's pandoc requests, served one after another by one pandoc process.
--
-- pandoc takes longer over its first document than over any later one, so a
-- build keeps a few of these running instead of starting pandoc per call.
-- Run as `pandoc lua pandoc_server.lua`. Each request is a line of JSON,
-- {"op": ..., "size": N, ...options}, then N bytes; each reply is a line of
-- JSON, {"size": N} then N bytes, or {"error": "..."}. The ops: "read" (sections'
-- texts to trees), "references" and "citations" (a bibliography's keys, a trial of
-- citations), "cite", "html" (which may keep the tree it read), "keep", "markdown"
-- and "office" (from a kept tree), "forget" (a kept tree), and "warm" (a sample
-- document, sent after the first request without waiting for its reply).
--
-- What `pandoc --sandbox` guaranteed, this keeps, and more: Markdown is read
-- in a sandbox with no files, metadata from the sources is dropped before
-- citeproc runs, and a DOCX is written only from a tree whose images are all
-- data: URIs, so nothing reads any file beyond the bibliography, the citation
-- style and the reference document briefwright names.

local json = pandoc.json

-- Sandboxed reading (the fourth argument of pandoc.read) came with pandoc 3.7.
if not (PANDOC_VERSION >= { 3, 7 }) then
  io.stderr:write("briefwright needs pandoc 3.7 or newer (this is ", tostring(PANDOC_VERSION), ")\n")
  os.exit(1)
end

-- TeX macros would carry a definition's text anywhere it is used (a macro defined
-- in a passage, used outside it); heading ids made from the text would spell out
-- a span an audience does not receive: briefwright makes ids itself, from what each
-- audience receives (render/ast.py), and so header references go with them.
local READER = "markdown-raw_attribute-latex_macros-auto_identifiers-implicit_header_references"

-- An option the request leaves out or sets to null.
local function option(request, name)
  local value = request[name]
  if value == json.null then
    return nil
  end
  return value
end

-- Each section's text (and its title and summary) is read on its own, so that
-- nothing written in one can change the structure around it. The request's
-- body is a JSON list of texts; the reply a JSON list with, for each, its
-- blocks or {"error": "..."}.
local function read(text)
  local texts = json.decode(text, false)
  local out = {}
  for index, source in ipairs(texts) do
    local ok, doc = pcall(pandoc.read, source, READER, nil, {})
    if ok then
      -- Metadata a source slipped in (a YAML block in its text) is dropped here:
      -- keys like citation-style would have citeproc read any file or URL. Only
      -- its keys are kept, as `true`, for the checks to see what it tried to say.
      local keys = {}
      for key in pairs(doc.meta) do
        keys[key] = true
      end
      out[index] = pandoc.write(pandoc.Pandoc(doc.blocks, keys), "json")
    else
      out[index] = json.encode({ error = tostring(doc) })
    end
  end
  return "[" .. table.concat(out, ",") .. "]"
end

-- Citations of an assembled edition, resolved with the bibliography and style
-- briefwright names (and no other: the tree's metadata is set here).
-- A dependent style names its parent by URL, which citeproc would fetch;
-- briefwright refuses such a style when it loads the brief, and this never fetches.
local function refuse_dependent(csl)
  if csl then
    local file = assert(io.open(csl, "rb"))
    local style = file:read("a")
    file:close()
    if style:find("independent%-parent") then
      error("the citation style is a dependent one, whose parent citeproc would fetch", 0)
    end
  end
end

local function cite(text, request)
  refuse_dependent(option(request, "csl"))
  local doc = pandoc.read(text, "json")
  doc.meta = pandoc.Meta({})
  doc.meta.bibliography = option(request, "bibliography")
  doc.meta["link-citations"] = true
  doc.meta.lang = option(request, "lang")
  doc.meta.csl = option(request, "csl")
  return pandoc.write(pandoc.utils.citeproc(doc), "json")
end

-- The trees HTML requests asked to keep (`"keep": NAME`), for the Markdown and office
-- requests that name them (`"kept": NAME`): an edition's tree is read once, however many
-- formats are written from it. A build may begin several editions before it finishes
-- the first, so several are kept, the oldest dropped past KEPT_MOST, and a "forget"
-- request drops one when its edition is done.
local KEPT_MOST = 32 -- as render/pandoc.py's KEPT_MOST, which follows what is kept
local kept_trees, kept_order = {}, {}

local function keep_tree(name, doc)
  if kept_trees[name] == nil then
    table.insert(kept_order, name)
  end
  kept_trees[name] = doc
  while #kept_order > KEPT_MOST do
    kept_trees[table.remove(kept_order, 1)] = nil
  end
end

local function kept_tree(name, what)
  local doc = name and kept_trees[name]
  if not doc then
    error("no tree kept for the " .. what .. " of " .. tostring(name), 0)
  end
  return doc
end

-- A tree to keep, as an HTML request keeps one, without writing it.
local function keep(text, request)
  keep_tree(option(request, "keep"), pandoc.read(text, "json"))
  return ""
end

local function forget(_, request)
  local name = option(request, "kept")
  if name then
    kept_trees[name] = nil
    for index, kept_name in ipairs(kept_order) do
      if kept_name == name then
        table.remove(kept_order, index)
        break
      end
    end
  end
  return ""
end

-- On the page the brief's title is the one h1: body headings go one level down.
local function html(text, request)
  local read = pandoc.read(text, "json")
  local doc = read:walk {
    Header = function(header)
      header.level = header.level + 1
      return header
    end,
  }
  local options = {
    wrap_text = "none",
    section_divs = true,
    html_q_tags = true,
    html_math_method = "mathml", -- browsers show MathML; the print page makes it SVG
  }
  local written = pandoc.write(doc, "html5", options) .. "\n"
  local name = request and option(request, "keep")
  if name then -- kept once the request has done well, as render/pandoc.py counts it
    keep_tree(name, read)
  end
  return written
end

-- The page an entry of the contents points at, as a field Word and LibreOffice fill in:
-- a tab (the contents style puts a dotted right tab at the margin), then the page. Its
-- stored result is empty: a reader that does not fill fields in shows no wrong number.
local PAGE_FIELD = {
  docx = '<w:r><w:tab/></w:r><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
    .. '<w:r><w:instrText xml:space="preserve"> PAGEREF %s \\h </w:instrText></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
  odt = '<text:tab/><text:bookmark-ref text:reference-format="page" text:ref-name="%s">'
    .. "</text:bookmark-ref>",
}
local RAW = { docx = "openxml", odt = "opendocument" }

local function page_of(inlines, format)
  local target
  for _, inline in ipairs(inlines) do
    if inline.t == "Link" and inline.target:sub(1, 1) == "#" then
      target = inline.target:sub(2)
    end
  end
  if target and PAGE_FIELD[format] and target:match("^[%w_.-]+$") then
    return pandoc.RawInline(RAW[format], PAGE_FIELD[format]:format(target))
  end
end

-- A bulleted contents list looks unfinished in Word: its entries become
-- paragraphs in the reference document's contents style, still links, each with
-- the number of the page it points at.
local function unbullet(block, style, format)
  if block.t ~= "BulletList" then
    return block
  end
  local paragraphs = pandoc.Blocks {}
  for _, item in ipairs(block.content) do
    for _, part in ipairs(item) do
      if part.t == "Para" or part.t == "Plain" then
        local content = pandoc.Inlines(part.content)
        local page = page_of(content, format)
        if page then
          content:insert(page)
        end
        paragraphs:insert(pandoc.Para(content))
      end
    end
  end
  return pandoc.Div(paragraphs, pandoc.Attr("", {}, { { "custom-style", style } }))
end

-- The tree without what an HTML tree carries for the print page (see
-- ast.add_print_notes), whose markers the request names: the notes' second copy
-- between `notes_start` and `notes_end`, and the marker opening each note (raw
-- HTML, which other writers leave out, but as a note's first block it would put
-- the note's number in a paragraph of its own).
local function without_print_notes(doc, request, each_block)
  local start, finish = option(request, "notes_start"), option(request, "notes_end")
  local blocks, copies = pandoc.Blocks {}, false
  for _, block in ipairs(doc.blocks) do
    if block.t == "RawBlock" and block.text == start then
      copies = true
    elseif block.t == "RawBlock" and block.text == finish then
      copies = false
    elseif not copies then
      blocks:insert(each_block and each_block(block) or block)
    end
  end
  local mark = option(request, "note_mark")
  return pandoc.Pandoc(blocks, doc.meta):walk {
    Note = function(note)
      local first = note.content[1]
      if mark and first and first.t == "RawBlock" and first.text:sub(1, #mark) == mark then
        note.content:remove(1)
        return note
      end
    end,
  }
end

-- A code block's numbered lines ({.numberLines}, from startFrom) in the office formats,
-- whose writers drop the numbers: each line starts with its number, as on paper.
local function numbered_lines(block)
  if not block.classes:includes("numberLines") then
    return nil
  end
  local first = tonumber(block.attributes.startFrom or "") or 1
  local lines = {}
  for line in (block.text .. "\n"):gmatch("(.-)\n") do
    lines[#lines + 1] = line
  end
  local width = #tostring(first + #lines - 1)
  for index, line in ipairs(lines) do
    lines[index] = string.format("%" .. width .. "d  %s", first + index - 1, line)
  end
  block.text = table.concat(lines, "\n")
  return block
end

-- An embedded image reaches the office writers under a short name of its content: they
-- write an image's source into the file as its picture's name, which for a data: URI is
-- the whole image over again, as text. (The office request empties the media after.)
local EXTENSIONS = { ["image/png"] = "png", ["image/jpeg"] = "jpg", ["image/gif"] = "gif" }

local function by_name(image)
  local mime, contents = pandoc.mediabag.fetch(image.src)
  local name = "image-" .. pandoc.utils.sha1(image.src) .. "." .. (EXTENSIONS[mime] or "bin")
  pandoc.mediabag.insert(name, mime, contents)
  image.src = name
  return image
end

-- The tree as Word gets it: the contents unbulleted, the print page's copies out, code
-- lines numbered where asked, and every image embedded.
local function for_word(doc, request)
  doc = without_print_notes(doc, request, function(block)
    if block.t == "Div" and block.classes:includes("contents") then
      block.content = block.content:map(function(inner)
        return unbullet(inner, request.contents_style, option(request, "format"))
      end)
    end
    return block
  end)
  local rasters = option(request, "rasters") or {}
  return doc:walk {
    CodeBlock = numbered_lines,
    Image = function(image)
      if image.src:sub(1, 5) ~= "data:" then
        error("an image that is not embedded reached the DOCX writer: " .. image.src, 0)
      end
      local raster = rasters[pandoc.utils.sha1(image.src)]
      if raster then
        image.src = raster.src
        if raster.width and not image.attributes.width and not image.attributes.height then
          image.attributes.width = raster.width
        end
      end
      return by_name(image)
    end,
  }
end

-- The edition as pandoc Markdown, from the tree an HTML request kept: the
-- `<brief>-<audience>.md` file holds exactly what the edition was built from. Without
-- raw HTML, what Markdown has no syntax for (a figure whose image has its own
-- description) is written as divs and spans, which read back as a tree, not as markup.
local function markdown(_, request)
  local kept = kept_tree(option(request, "kept"), "Markdown")
  return pandoc.write(without_print_notes(kept, request), "markdown-raw_html")
end

-- pandoc's opendocument template, with the abstract (the marking's handling sentence)
-- in a paragraph of its own: the template writes it bare, and office suites drop
-- text that is in no paragraph.
local function odt_template()
  local bare = "$if(abstract)$\n$abstract$\n$endif$"
  local template = pandoc.template.default("opendocument")
  local start, finish = template:find(bare, 1, true)
  if not start then
    error("pandoc's opendocument template no longer has the abstract where it was", 0)
  end
  return template:sub(1, start - 1)
    .. '$if(abstract)$\n<text:p text:style-name="Abstract">$abstract$</text:p>\n$endif$'
    .. template:sub(finish + 1)
end

local function xml_text(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

-- pandoc's ODT writer leaves an image's description out (the DOCX writer keeps it): each
-- frame gets it back as svg:title, what office suites read as its alternative text. The
-- writer names the frames img1, img2, ... in the document's order, the order walked here.
local function describe_images(odt, doc)
  local descriptions = {}
  doc:walk {
    traverse = "topdown",
    Image = function(image)
      descriptions[#descriptions + 1] = pandoc.utils.stringify(image.caption)
    end,
  }
  if #descriptions == 0 then
    return odt
  end
  local function describe(frame, number, close)
    local text = descriptions[tonumber(number)]
    if text == nil or text == "" then
      return nil
    end
    return frame .. "<svg:title>" .. xml_text(text) .. "</svg:title>" .. close
  end
  local archive = pandoc.zip.Archive(odt)
  local entries = {}
  for _, entry in ipairs(archive.entries) do
    if entry.path == "content.xml" then
      local xml = entry:contents():gsub('(<draw:frame draw:name="img(%d+)".-)(</draw:frame>)', describe)
      entry = pandoc.zip.Entry(entry.path, xml, entry.modtime)
    end
    entries[#entries + 1] = entry
  end
  archive.entries = entries
  return archive:bytestring()
end

-- A Word or OpenDocument file (`"format": "docx"` or `"odt"`) of the tree an HTML
-- request kept: every tree format of an edition is written from that one tree.
local function office(_, request)
  -- The media hold this edition's images only, even after a request that failed half way.
  pandoc.mediabag.empty()
  local doc = for_word(kept_tree(option(request, "kept"), request.format), request)
  -- The files' parts are stamped with SOURCE_DATE_EPOCH: the brief's date, not today.
  local environment = pandoc.system.environment()
  environment.SOURCE_DATE_EPOCH = tostring(request.epoch)
  local options = { reference_doc = request.reference }
  if request.format == "odt" then -- its content.xml comes from the opendocument template
    options.template = pandoc.template.compile(odt_template())
  end
  local written = pandoc.system.with_environment(environment, function()
    return pandoc.write(doc, request.format, options)
  end)
  pandoc.mediabag.empty()
  if request.format == "odt" then
    return describe_images(written, doc)
  end
  return written
end


-- A small document that takes every path a brief takes, to warm pandoc up
-- (the "warm" request) where loading the project asked pandoc nothing.
local WARM_UP = [[
---
nocite: "@*"
references:
- id: warm
  type: report
  author:
  - family: Author
    given: An
  title: A report
  issued:
    date-parts:
    - [2000, 1, 2]
---

# A question? {#question .section}

::: {.section-body}
A *claim*, with "quotes" and a note,[^1] as argued [@warm, p. 1].

- an item
- another, with a [link](https://example.org)

| Column | Other |
|:-------|------:|
| one    | two   |

: A caption
:::

[^1]: The note.
]]

-- What pandoc logged while `fn` ran, as {type, text} for each warning or error
-- (the note that a file was loaded is left out), and what `fn` returned; raises
-- what `fn` raised. (An error must not leave pandoc.log.silence by itself: pandoc
-- would then stay silent, and no later request's warnings would reach stderr.)
local function said_while(fn, ...)
  local arguments = table.pack(...)
  local messages, outcome = pandoc.log.silence(function()
    return table.pack(pcall(fn, table.unpack(arguments, 1, arguments.n)))
  end)
  if not outcome[1] then
    error(outcome[2], 0)
  end
  local result = outcome[2]
  local said = pandoc.List {}
  for _, message in ipairs(messages) do
    local fields = json.decode(json.encode(message)) -- a log message's fields, as JSON has them
    if fields.verbosity == "WARNING" or fields.verbosity == "ERROR" then
      said:insert({ type = fields.type, text = fields.pretty })
    end
  end
  return said, result
end

-- A nocite that cites every entry of a bibliography: `@*`.
local function every_entry()
  return pandoc.Inlines { pandoc.Cite({ pandoc.Str("@*") }, { pandoc.Citation("*", "NormalCitation") }) }
end

-- The references a bibliography defines, read exactly as `cite` reads the file a
-- build names (the format comes from the extension `ext`, as it does there). The
-- body is the file's text, which pandoc reads from a copy in a directory of its
-- own. The reply is JSON: {"ids": [...], "said": [...]}, each entry's id in the
-- file's order (twice if the file defines it twice), or {"error": "..."}.
local function references(text, request)
  local ext = option(request, "ext")
  if ext ~= ".bib" and ext ~= ".json" and ext ~= ".yaml" then
    error("not a bibliography: " .. tostring(ext), 0)
  end
  return pandoc.system.with_temporary_directory("briefwright", function(folder)
    local path = pandoc.path.join({ folder, "references" .. ext })
    local file = assert(io.open(path, "wb"))
    file:write(text)
    file:close()
    local doc = pandoc.Pandoc({}, { bibliography = path, nocite = every_entry() })
    local ok, said, found = pcall(said_while, pandoc.utils.references, doc)
    if not ok then
      -- pandoc names the copy it read; the caller knows which file it was.
      local words = tostring(said):gsub("Error reading bibliography file [^\n]*:%s*", "", 1)
      return json.encode({ error = words })
    end
    local ids = pandoc.List {}
    for _, reference in ipairs(found) do
      ids:insert(tostring(reference.id))
    end
    return json.encode({ ids = ids, said = said })
  end)
end

-- The citations of a brief resolved once before anything is built, as `cite`
-- resolves each edition's: with the bibliography, style and language the request
-- names, each of `keys` cited once and listed. What citeproc says about them (an
-- entry that prints nothing in the style, say) is then said once, about the
-- bibliography and the style, not once per edition. Without a bibliography, a
-- sample reference tries the style. Reply: {"said": [...]} or {"error": "..."}.
local function citations(_, request)
  local csl = option(request, "csl")
  if csl then
    -- A dependent style names its parent by URL, which citeproc would fetch;
    -- briefwright refuses such a style before it gets here, and never fetches.
    local file = assert(io.open(csl, "rb"))
    local style = file:read("a")
    file:close()
    if style:find("independent%-parent") then
      return json.encode({ error = "a dependent style, whose parent citeproc would fetch" })
    end
  end
  local doc = pandoc.Pandoc({})
  local keys = option(request, "keys") or {}
  local bibliography = option(request, "bibliography")
  if bibliography then
    doc.meta.bibliography = bibliography
  else
    doc.meta.references = pandoc.read(WARM_UP, READER, nil, {}).meta.references
    keys = { "warm" }
  end
  for _, key in ipairs(keys) do
    local cite = pandoc.Cite({ pandoc.Str("@" .. key) }, { pandoc.Citation(key, "NormalCitation") })
    doc.blocks:insert(pandoc.Para({ cite }))
  end
  doc.meta["link-citations"] = true
  doc.meta.lang = option(request, "lang")
  doc.meta.csl = csl
  local ok, said = pcall(said_while, pandoc.utils.citeproc, doc)
  if not ok then
    return json.encode({ error = tostring(said) })
  end
  return json.encode({ said = said })
end

local handlers = {
  keep = keep,
  forget = forget,
  read = read,
  cite = cite,
  html = html,
  markdown = markdown,
  office = office,
  references = references,
  citations = citations,
}

-- With the path of a bibliography, its entries are rendered too: citeproc is
-- slow the first time it meets each kind of entry.
local function warm(bibliography)
  read(json.encode({ WARM_UP })) -- the reader, as sections are read
  local doc = pandoc.read(WARM_UP, READER, nil, {}) -- with its references and nocite
  if bibliography and bibliography ~= "" then
    doc.meta.bibliography = bibliography
  end
  doc.meta["link-citations"] = true
  doc.meta.lang = "en-GB"
  doc = pandoc.utils.citeproc(doc)
  local text = pandoc.write(doc, "json")
  html(text, { keep = "warm-up" })
  markdown("", { kept = "warm-up" })
  office("", { kept = "warm-up", format = "docx", contents_style = "Normal", epoch = 0 })
  forget("", { kept = "warm-up" })
end

-- Sent by briefwright after the first request, whose reply it does not wait for.
handlers.warm = function(_, request)
  local bibliography = option(request, "bibliography")
  pcall(warm, bibliography ~= "" and bibliography or nil) -- only time is at stake
  return ""
end

while true do
  local line = io.stdin:read("l")
  if not line then
    break
  end
  local request = json.decode(line, false)
  -- (Not read(0) for an empty body: it waits for the next byte to rule out the end.)
  local body = request.size > 0 and io.stdin:read(request.size) or ""
  local handler = handlers[request.op]
  local ok, result
  if handler then
    ok, result = pcall(handler, body, request)
  else
    ok, result = false, "unknown request: " .. tostring(request.op)
  end
  if ok then
    io.stdout:write(json.encode({ size = #result }), "\n", result)
  else
    io.stdout:write(json.encode({ error = tostring(result) }), "\n")
  end
  io.stdout:flush()
end
