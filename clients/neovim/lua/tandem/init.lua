-- Tandem for Neovim: starts the server, attaches it to buffers, and renders the trace views that
-- standard LSP has no place for (requirements in the quickfix list, one requirement's trace in a
-- location list, the coverage summary in a scratch buffer). Everything standard — diagnostics,
-- hover, code actions, code lenses, go to definition — comes from Neovim's own LSP client.
--
-- Works on Neovim 0.7 (vim.lsp.start_client) and on later releases (vim.lsp.start; with 0.11+ the
-- file lsp/tandem.lua also serves vim.lsp.config / vim.lsp.enable).
local config = require('tandem.config')
local views = require('tandem.views')

local M = {}

local has_011 = vim.fn.has('nvim-0.11') == 1

-- Client ids by workspace root, for Neovim 0.7 where vim.lsp.start (which reuses clients) is missing.
local clients_by_root = {}

-- The views on screen, so that `tandem/traceDidChange` can fill them again.
local open_views = { requirements = nil, trace = nil, coverage = nil }

local function notify(message, level)
  vim.notify('Tandem: ' .. message, level or vim.log.levels.INFO)
end

-- Every running Tandem client.
function M.clients()
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients({ name = 'tandem' })
  else
    all = vim.tbl_filter(function(client) return client.name == 'tandem' end, vim.lsp.get_active_clients())
  end
  return vim.tbl_filter(function(client)
    if has_011 then return not client:is_stopped() end
    return not client.is_stopped()
  end, all)
end

-- The Tandem client serving `bufnr`, else any Tandem client (views are often used from the
-- quickfix window or a scratch buffer), else nil.
function M.client_for(bufnr)
  local all = M.clients()
  for _, client in ipairs(all) do
    if client.attached_buffers and client.attached_buffers[bufnr] then return client end
  end
  return all[1]
end

-- Sends a request; `on_result(result)` runs on success, errors are shown to the user.
function M.request(client, method, params, on_result, bufnr)
  local function handler(err, result)
    if err then
      notify(method .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    on_result(result)
  end
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function with_client(bufnr, fn)
  local client = M.client_for(bufnr)
  if not client then
    notify('no Tandem server is running; open a file of your project (see :help tandem or the README)', vim.log.levels.WARN)
    return
  end
  fn(client)
end

-- ---------------------------------------------------------------------------------------------
-- Starting the server

-- What `tandem/traceDidChange` does: fill every open view again.
local function on_trace_did_change(_, _, ctx)
  vim.schedule(function() M.refresh(ctx and ctx.client_id) end)
end

-- The title of each work-done progress in flight, by client and token.
local progress_titles = {}

-- Echoes the server's work-done progress (indexing, test runs, generation): the title, then the
-- latest message and percentage.
local function on_progress(err, result, ctx, handler_config)
  local default = vim.lsp.handlers['$/progress']
  if default then default(err, result, ctx, handler_config) end
  if not result or type(result.value) ~= 'table' then return end
  local value = result.value
  local key = tostring(ctx and ctx.client_id) .. ':' .. tostring(result.token)
  local title = value.title or progress_titles[key] or 'Tandem'
  if value.kind == 'end' then progress_titles[key] = nil else progress_titles[key] = title end
  if not config.options.progress then return end
  local text = title:match('^Tandem') and title or ('Tandem: ' .. title)
  if value.message then text = text .. ': ' .. value.message end
  if value.percentage then text = text .. string.format(' (%d%%)', value.percentage) end
  if value.kind == 'end' then text = text .. ' (done)' end
  vim.api.nvim_echo({ { text } }, false, {})
end

-- A message request without actions is only a message: show it rather than wait at a prompt
-- (older Neovim prompts for a choice even when there is none).
local function on_show_message_request(err, params, ctx, handler_config)
  if params and (params.actions == nil or #params.actions == 0) then
    notify(params.message, params.type == 1 and vim.log.levels.ERROR or params.type == 2 and vim.log.levels.WARN or vim.log.levels.INFO)
    return vim.NIL
  end
  return vim.lsp.handlers['window/showMessageRequest'](err, params, ctx, handler_config)
end

-- Runs started by :TandemGenerate, with what to call when each ends.
local generation_runs = {}

-- The end of a generation run: the outcome of :TandemGenerate's runs is said here (the server's
-- own message says it for runs started from a code action), and the views are filled again.
local function on_generation_did_finish(_, report, ctx)
  vim.schedule(function()
    if type(report) ~= 'table' then return end
    local waiting = generation_runs[report.runId]
    if waiting then
      generation_runs[report.runId] = nil
      notify(string.format('%s: %s', report.status or 'done', report.message or ''))
      if waiting.on_report then waiting.on_report(report) end
    end
    M.refresh(ctx and ctx.client_id)
  end)
end

-- New test results change statuses: fill the views again.
local function on_test_results(_, _, ctx)
  vim.schedule(function() M.refresh(ctx and ctx.client_id) end)
end

-- The handlers every Tandem client gets.
M.handlers = {
  ['tandem/traceDidChange'] = on_trace_did_change,
  ['tandem/testResults'] = on_test_results,
  ['tandem/generationDidFinish'] = on_generation_did_finish,
  ['$/progress'] = on_progress,
  ['window/showMessageRequest'] = on_show_message_request,
}

-- The trace lens ("2 implementations, 1 test") opens :TandemTrace for its requirement instead of
-- the server's one-line message; Neovim runs a client-side command before asking the server.
vim.lsp.commands['tandem.showTrace'] = function(command)
  local id = command.arguments and command.arguments[1]
  if type(id) == 'string' then M.trace(id) end
end

local function map_what(what)
  if what == 'hover' then return vim.lsp.buf.hover end
  if what == 'definition' then return vim.lsp.buf.definition end
  if what == 'references' then return function() vim.lsp.buf.references() end end
  if what == 'code_action' then return vim.lsp.buf.code_action end
  if what == 'codelens' then return vim.lsp.codelens.run end
  if what == 'trace' then return function() M.trace() end end
end

-- Sets the buffer-local maps of `keymaps` (see config.default_keymaps) on `bufnr`.
function M.set_keymaps(bufnr, keymaps)
  if keymaps == false or keymaps == nil then return end
  local maps = keymaps == true and config.default_keymaps or keymaps
  for lhs, entry in pairs(maps) do
    if entry then
      local what = type(entry) == 'table' and entry[1] or entry
      local rhs = type(what) == 'function' and what or map_what(what)
      local description = type(entry) == 'table' and entry[2] or ('Tandem: ' .. tostring(what))
      if rhs then vim.keymap.set('n', lhs, rhs, { buffer = bufnr, silent = true, desc = description }) end
    end
  end
end

-- What happens when the server attaches to a buffer: the maps, code lenses kept fresh, then the
-- user's own on_attach.
function M.on_attach(client, bufnr)
  M.set_keymaps(bufnr, config.options.keymaps)
  local group = vim.api.nvim_create_augroup('tandem_codelens_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
    group = group,
    buffer = bufnr,
    callback = function() pcall(vim.lsp.codelens.refresh) end,
  })
  if type(config.options.on_attach) == 'function' then config.options.on_attach(client, bufnr) end
end

-- The client configuration for a workspace root (shared by every start path).
function M.client_config(root)
  local cmd, reason = config.server_command()
  if not cmd then return nil, reason end
  local settings = config.options.settings or {}
  -- An empty Lua table would be sent as a JSON array.
  if next(settings) == nil then settings = vim.empty_dict() end
  return {
    name = 'tandem',
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = { tandem = settings },
    settings = { tandem = settings },
    handlers = M.handlers,
    on_attach = M.on_attach,
    on_exit = function()
      vim.schedule(function()
        if clients_by_root[root] then clients_by_root[root] = nil end
      end)
    end,
  }
end

local warned_missing = false

-- Starts (or reuses) the server for the workspace of `bufnr` and attaches it to the buffer.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then return end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or not config.wants_filetype(vim.bo[bufnr].filetype) then return end
  local root = config.find_root(name, config.options.root_markers) or vim.fn.getcwd()
  local client_config, reason = M.client_config(root)
  if not client_config then
    if not warned_missing then notify(reason, vim.log.levels.ERROR) end
    warned_missing = true
    return
  end
  if vim.lsp.start then
    return vim.lsp.start(client_config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(client_config)
    if not id then return end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- Configures the plugin and attaches Tandem to matching buffers as they open. Options: see
-- config.defaults. Safe to call more than once.
function M.setup(opts)
  M.setup_called = true
  config.set(opts)
  local group = vim.api.nvim_create_augroup('tandem', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    callback = function(args) M.attach(args.buf) end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then M.attach(bufnr) end
  end
end

-- Stops every Tandem client and starts them again on the buffers they served: through setup()'s
-- options when setup() was called, else (vim.lsp.enable on 0.11+) with each client's own config.
function M.restart()
  local buffers = {}
  local previous = {}
  local running = M.clients()
  for _, client in ipairs(running) do
    local served = {}
    for bufnr in pairs(client.attached_buffers or {}) do
      table.insert(buffers, bufnr)
      table.insert(served, bufnr)
    end
    table.insert(previous, { config = client.config, buffers = served })
    if has_011 then client:stop() else client.stop() end
  end
  clients_by_root = {}
  local stopped = vim.wait(5000, function()
    for _, client in ipairs(running) do
      local done
      if has_011 then done = client:is_stopped() else done = client.is_stopped() end
      if not done then return false end
    end
    return true
  end, 50)
  if not stopped then
    for _, client in ipairs(running) do
      if has_011 then client:stop(true) else client.stop(true) end
    end
  end
  if not M.setup_called and vim.lsp.start then
    for _, entry in ipairs(previous) do
      for _, bufnr in ipairs(entry.buffers) do
        if vim.api.nvim_buf_is_valid(bufnr) then vim.lsp.start(entry.config, { bufnr = bufnr }) end
      end
    end
  else
    if #buffers == 0 then buffers = { vim.api.nvim_get_current_buf() } end
    for _, bufnr in ipairs(buffers) do M.attach(bufnr) end
  end
  notify('server restarted')
end

-- ---------------------------------------------------------------------------------------------
-- The views

local function fill_requirements(client, gaps_only, action)
  M.request(client, 'tandem/requirements', { gapsOnly = gaps_only }, function(result)
    local items = views.requirement_items(result, client.offset_encoding)
    local title = gaps_only and 'Tandem: requirements with gaps' or 'Tandem: requirements'
    local view = open_views.requirements
    if action == 'r' and view and vim.fn.getqflist({ id = view.id }).id == view.id then
      vim.fn.setqflist({}, 'r', { id = view.id, title = title, items = items })
    elseif action ~= 'r' then
      vim.fn.setqflist({}, ' ', { title = title, items = items, context = { tandem = 'requirements' } })
      open_views.requirements = { id = vim.fn.getqflist({ id = 0 }).id, gaps_only = gaps_only }
      if config.options.open_lists then vim.cmd('botright copen') end
    end
  end)
end

-- :TandemRequirements[!] — every requirement with its status in the quickfix list; with
-- `gaps_only`, only those not covered or with defects.
function M.requirements(gaps_only)
  with_client(vim.api.nvim_get_current_buf(), function(client) fill_requirements(client, gaps_only == true, ' ') end)
end

local function fill_trace(client, id, winid, action)
  M.request(client, 'tandem/trace', { id = id }, function(trace)
    if trace == nil or trace == vim.NIL then
      if action ~= 'r' then notify('no requirement has the ID ' .. id, vim.log.levels.WARN) end
      return
    end
    local items = views.trace_items(trace, client.offset_encoding)
    local title = 'Tandem: trace of ' .. id
    local view = open_views.trace
    if action == 'r' then
      if view and vim.api.nvim_win_is_valid(view.winid) and vim.fn.getloclist(view.winid, { id = view.id }).id == view.id then
        vim.fn.setloclist(view.winid, {}, 'r', { id = view.id, title = title, items = items })
      end
      return
    end
    if not vim.api.nvim_win_is_valid(winid) then winid = vim.api.nvim_get_current_win() end
    vim.fn.setloclist(winid, {}, ' ', { title = title, items = items, context = { tandem = 'trace' } })
    open_views.trace = { id = vim.fn.getloclist(winid, { id = 0 }).id, winid = winid, requirement = id }
    if config.options.open_lists and vim.api.nvim_get_current_win() == winid then vim.cmd('lopen') end
  end)
end

-- The requirement ID under the cursor, from the server (`tandem/traceAt` knows IDs, tags and the
-- requirements a symbol serves); `on_id(id)` receives it, or a warning is shown.
local function id_at_cursor(client, on_id)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or 'utf-16')
  M.request(client, 'tandem/traceAt', params, function(result)
    local found = (result and result.requirements) or {}
    if #found == 0 then
      notify('no requirement at the cursor; give an ID: :TandemTrace REQ-1', vim.log.levels.WARN)
    elseif #found == 1 then
      on_id(found[1].id)
    else
      vim.ui.select(found, {
        prompt = 'Trace of which requirement?',
        format_item = function(item) return item.id .. ' ' .. (item.title or '') end,
      }, function(choice) if choice then on_id(choice.id) end end)
    end
  end, vim.api.nvim_get_current_buf())
end

-- :TandemTrace [ID] — one requirement's definition, implementations and tests in the location list
-- of the current window; the requirement at the cursor when no ID is given.
function M.trace(id)
  local bufnr = vim.api.nvim_get_current_buf()
  local winid = vim.api.nvim_get_current_win()
  if vim.bo[bufnr].buftype == 'quickfix' or vim.bo[bufnr].buftype == 'nofile' then
    -- From the quickfix window or a scratch view, the list belongs to the window used before it.
    local previous = vim.fn.win_getid(vim.fn.winnr('#'))
    if previous ~= 0 then winid = previous end
  end
  with_client(bufnr, function(client)
    if id and id ~= '' then
      fill_trace(client, id, winid, ' ')
    else
      id_at_cursor(client, function(found) fill_trace(client, found, winid, ' ') end)
    end
  end)
end

local coverage_buffer_name = 'tandem://coverage'

local function coverage_buffer()
  local view = open_views.coverage
  if view and vim.api.nvim_buf_is_valid(view.bufnr) then return view.bufnr, false end
  local bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bufnr, coverage_buffer_name)
  vim.bo[bufnr].bufhidden = 'hide'
  vim.bo[bufnr].filetype = 'tandemcoverage'
  open_views.coverage = { bufnr = bufnr }
  return bufnr, true
end

local function fill_coverage(client, action)
  M.request(client, 'tandem/coverage', vim.empty_dict(), function(result)
    if action == 'r' and not (open_views.coverage and vim.api.nvim_buf_is_valid(open_views.coverage.bufnr)) then return end
    local bufnr = coverage_buffer()
    vim.bo[bufnr].modifiable = true
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, views.coverage_lines(result))
    vim.bo[bufnr].modifiable = false
    if action ~= 'r' and vim.fn.bufwinid(bufnr) == -1 then
      vim.cmd('botright split')
      vim.api.nvim_win_set_buf(0, bufnr)
      vim.cmd('resize ' .. math.min(vim.api.nvim_buf_line_count(bufnr) + 1, 15))
    end
  end)
end

-- :TandemCoverage — counts per status and per artifact type in a scratch window.
function M.coverage()
  with_client(vim.api.nvim_get_current_buf(), function(client) fill_coverage(client, ' ') end)
end

-- Fills every open view again (on `tandem/traceDidChange`, or by hand).
function M.refresh(client_id)
  local client = client_id and vim.lsp.get_client_by_id(client_id) or M.client_for(vim.api.nvim_get_current_buf())
  if not client then return end
  if open_views.requirements then fill_requirements(client, open_views.requirements.gaps_only, 'r') end
  if open_views.trace then fill_trace(client, open_views.trace.requirement, open_views.trace.winid, 'r') end
  if open_views.coverage then fill_coverage(client, 'r') end
end

-- ---------------------------------------------------------------------------------------------
-- Commands of the server

-- Runs a server command through `workspace/executeCommand`; `on_result` receives its result.
function M.execute(command, arguments, on_result)
  with_client(vim.api.nvim_get_current_buf(), function(client)
    M.request(client, 'workspace/executeCommand', { command = command, arguments = arguments }, function(result)
      if on_result then on_result(result) end
    end)
  end)
end

-- :TandemGenerate [ID] — implementation and tests for a requirement (the one at the cursor by
-- default), through `tandem.generate`; progress shows in the message area, the edit arrives as
-- a workspace edit.
function M.generate(id, on_report)
  local function run(requirement)
    notify('generating ' .. requirement .. '…')
    -- The server answers at once with the run's id; the edit and the outcome follow
    -- (tandem/generationDidFinish).
    M.execute('tandem.generate', { { kind = 'requirement', requirementId = requirement } }, function(report)
      if type(report) == 'table' and report.runId then
        generation_runs[report.runId] = { on_report = on_report }
        notify(string.format('%s: %s', report.title or requirement, report.message or 'running'))
      elseif on_report then
        on_report(report)
      end
    end)
  end
  if id and id ~= '' then return run(id) end
  with_client(vim.api.nvim_get_current_buf(), function(client) id_at_cursor(client, run) end)
end

-- One sentence for a `tandem.runTests` result (RunTestsResult of protocol/testing.ts).
function M.describe_test_run(result)
  if type(result) ~= 'table' or not result.counts then return 'test run finished' end
  local counts = result.counts
  local text = string.format('tests %s: %d passed, %d failed, %d errored, %d skipped', result.state or '?',
    counts.passed or 0, counts.failed or 0, counts.errored or 0, counts.skipped or 0)
  if result.problems and result.problems[1] and result.problems[1].message then
    text = text .. ' (' .. result.problems[1].message .. ')'
  end
  return text
end

-- :TandemRunTests [ID] — runs every test through the server (`tandem.runTests`), or those linked to
-- requirement ID; failures come back as diagnostics and statuses.
function M.run_tests(id, on_result)
  local params = (id and id ~= '') and { scope = 'requirement', id = id } or { scope = 'all' }
  notify('running tests…')
  M.execute('tandem.runTests', { params }, function(result)
    notify(M.describe_test_run(result))
    if on_result then on_result(result) end
  end)
end

-- :TandemInfo — the server's version, folders and index state.
function M.info()
  with_client(vim.api.nvim_get_current_buf(), function(client)
    M.request(client, 'tandem/serverInfo', nil, function(info)
      notify(string.format('server %s, %d files%s, watcher: %s, folders: %s', info.version, info.files,
        info.indexing and ' (indexing)' or '', info.watcher, table.concat(info.folders or {}, ', ')))
    end)
  end)
end

return M
