-- The trace views as plain data: a requirement list becomes quickfix items, a trace becomes
-- location-list items, a coverage result becomes lines. Nothing here talks to the server or
-- touches windows, so the functions are the same on every Neovim release.
local M = {}

-- Statuses from worst to best, as the server orders them.
M.statuses = { 'unimplemented', 'untested', 'failing', 'covered', 'verified' }

-- The quickfix type of a status: gaps show as errors or warnings, covered items as notes.
local status_type = { unimplemented = 'E', failing = 'E', untested = 'W', covered = 'I', verified = 'I' }

-- Turns one LSP location into a quickfix item; `encoding` is the client's offset encoding, used to
-- turn the UTF-16 character into a byte column.
function M.location_item(location, encoding, text, item_type)
  local items = vim.lsp.util.locations_to_items({ location }, encoding or 'utf-16')
  local item = items[1] or { filename = vim.uri_to_fname(location.uri), lnum = location.range.start.line + 1, col = 1 }
  item.text = text
  item.type = item_type
  return item
end

-- One line of text for a requirement: `REQ-1 [verified] Title (impl 1, tests 2) · 87% of its code; defects: …`.
function M.requirement_text(summary)
  local text = string.format('%s [%s] %s (impl %d, tests %d)', summary.id, summary.status, summary.title or '',
    summary.implementations or 0, summary.tests or 0)
  local coverage = summary.codeCoverage
  if type(coverage) == 'table' and (coverage.total or 0) > 0 then
    text = text .. string.format(' · %d%% of its code', math.floor(coverage.covered * 100 / coverage.total))
  end
  if summary.defects and #summary.defects > 0 then
    text = text .. '; defects: ' .. table.concat(summary.defects, ', ')
  end
  return text
end

-- Quickfix items for a `tandem/requirements` result.
function M.requirement_items(result, encoding)
  local items = {}
  for _, summary in ipairs((result and result.requirements) or {}) do
    table.insert(items, M.location_item(summary.location, encoding, M.requirement_text(summary), status_type[summary.status]))
  end
  return items
end

local function link_text(role, link)
  local parts = { role }
  if link.testName and link.testName ~= vim.NIL then table.insert(parts, '"' .. link.testName .. '"')
  elseif link.symbol and link.symbol ~= vim.NIL then table.insert(parts, link.symbol) end
  if link.result and link.result ~= vim.NIL then
    table.insert(parts, '[' .. link.result.outcome .. (link.result.stale and ', stale' or '') .. ']')
  end
  return table.concat(parts, ' ')
end

-- Location-list items for a `tandem/trace` result: definitions, implementations, tests, then the
-- defects that have a place.
function M.trace_items(trace, encoding)
  local items = {}
  local id = trace.requirement.id
  for _, location in ipairs(trace.definitions or {}) do
    table.insert(items, M.location_item(location, encoding,
      string.format('%s definition [%s] %s', id, trace.requirement.status, trace.requirement.title or '')))
  end
  for _, link in ipairs(trace.implementations or {}) do
    table.insert(items, M.location_item(link.location, encoding, id .. ' ' .. link_text('implemented by', link)))
  end
  for _, link in ipairs(trace.tests or {}) do
    local failed = link.result and link.result ~= vim.NIL and (link.result.outcome == 'failed' or link.result.outcome == 'errored')
    table.insert(items, M.location_item(link.location, encoding, id .. ' ' .. link_text('verified by', link), failed and 'E' or nil))
  end
  for _, defect in ipairs(trace.defects or {}) do
    if defect.location and defect.location ~= vim.NIL then
      table.insert(items, M.location_item(defect.location, encoding, id .. ' ' .. defect.kind .. ': ' .. defect.message, 'W'))
    end
  end
  return items
end

local function counts_line(counts)
  local parts = {}
  for _, status in ipairs(M.statuses) do
    table.insert(parts, string.format('%s %d', status, (counts.byStatus or {})[status] or 0))
  end
  return table.concat(parts, ', ')
end

-- The lines of the coverage view for a `tandem/coverage` result.
function M.coverage_lines(coverage)
  local lines = {
    string.format('Tandem coverage: %d requirements, %d%% covered', coverage.total or 0,
      math.floor((coverage.coveredRatio or 0) * 100 + 0.5)),
    '',
    'By status: ' .. counts_line(coverage),
  }
  local types = vim.tbl_keys(coverage.byArtifactType or {})
  table.sort(types)
  for _, artifact_type in ipairs(types) do
    local counts = coverage.byArtifactType[artifact_type]
    table.insert(lines, string.format('  %s (%d): %s', artifact_type, counts.total or 0, counts_line(counts)))
  end
  table.insert(lines, '')
  table.insert(lines, string.format('Requirements with defects: %d', coverage.defective or 0))
  table.insert(lines, string.format('Tags naming unknown IDs: %d', coverage.unknownIdTags or 0))
  return lines
end

return M
