-- End-to-end script for headless Neovim: drives the Tandem plugin's user commands against the real
-- server on a fixture workspace and writes what the editor shows (diagnostics, quickfix and
-- location lists, the coverage buffer) to a JSON file that test/clients/neovim.test.ts checks.
--
-- Environment: TANDEM_E2E_ROOT (the workspace), TANDEM_E2E_OUT (the JSON file to write).
local root = assert(os.getenv('TANDEM_E2E_ROOT'), 'TANDEM_E2E_ROOT is not set')
local out = assert(os.getenv('TANDEM_E2E_OUT'), 'TANDEM_E2E_OUT is not set')
local results = { nvim = vim.version and tostring(vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch) }
local step = 'start'

local function write_results()
  local file = assert(io.open(out, 'w'))
  file:write(vim.fn.json_encode(results))
  file:close()
end

-- Waits until `condition()` is true, polling the event loop; fails naming what it waited for.
local function wait_for(what, ms, condition)
  if not vim.wait(ms, condition, 50) then error(string.format('timed out after %d ms waiting for %s', ms, what), 0) end
end

-- Calls a client method: with a colon on Neovim 0.11+, with a dot before.
local function call(client, name, ...)
  if vim.fn.has('nvim-0.11') == 1 then return client[name](client, ...) end
  return client[name](...)
end

local function qf_state()
  local list = vim.fn.getqflist({ title = 0, items = 0 })
  return list.title, list.items
end

local function describe_items(items)
  local described = {}
  for _, item in ipairs(items) do
    table.insert(described, {
      file = vim.fn.fnamemodify(vim.fn.bufname(item.bufnr), ':p'),
      lnum = item.lnum,
      col = item.col,
      text = item.text,
      type = item.type,
    })
  end
  return described
end

local function diagnostics_of(path)
  local bufnr = vim.fn.bufnr(path)
  if bufnr == -1 then return {} end
  local found = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, { lnum = diagnostic.lnum, message = diagnostic.message, code = diagnostic.code, source = diagnostic.source, severity = diagnostic.severity })
  end
  table.sort(found, function(a, b) return a.lnum < b.lnum end)
  return found
end

-- Moves the cursor to the first occurrence of `text` in the current buffer (a marker, not a column).
local function cursor_to(text)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for index, line in ipairs(lines) do
    local column = line:find(text, 1, true)
    if column then
      vim.api.nvim_win_set_cursor(0, { index, column - 1 })
      return index
    end
  end
  error('text not found in the buffer: ' .. text, 0)
end

local function line_of(text)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if line:find(text, 1, true) then return index end
  end
  error('text not found in the buffer: ' .. text, 0)
end

-- Client ids whose server logged the end of a full index ("Indexed N files").
local indexed_clients = {}
local default_log_handler = vim.lsp.handlers['window/logMessage']
vim.lsp.handlers['window/logMessage'] = function(err, result, ctx, handler_config)
  if result and type(result.message) == 'string' and result.message:match('^Indexed %d+ files') then
    indexed_clients[ctx.client_id] = true
  end
  return default_log_handler(err, result, ctx, handler_config)
end

-- Every message the plugin shows, in order.
local messages = {}
local default_notify = vim.notify
vim.notify = function(message, level, opts)
  table.insert(messages, message)
  return default_notify(message, level, opts)
end

-- The editor's default answer to window/showMessageRequest with actions waits for a choice typed
-- at the keyboard; here each such request is recorded and dismissed, as a user pressing Escape
-- would. (The plugin shows requests without actions as messages itself.)
local message_requests = {}
vim.lsp.handlers['window/showMessageRequest'] = function(_, params)
  table.insert(message_requests, { message = params.message, actions = vim.tbl_map(function(action) return action.title end, params.actions or {}) })
  return vim.NIL
end

-- Every line the plugin echoes (progress), in order.
local echoed = {}
local default_echo = vim.api.nvim_echo
vim.api.nvim_echo = function(chunks, history, opts)
  table.insert(echoed, table.concat(vim.tbl_map(function(chunk) return chunk[1] end, chunks)))
  return default_echo(chunks, history, opts)
end

local function message_matching(pattern)
  for _, message in ipairs(messages) do
    if message:match(pattern) then return message end
  end
end

local function run()
  vim.cmd('filetype on')
  vim.cmd('runtime plugin/tandem.lua')
  results.commands = vim.tbl_keys(vim.api.nvim_get_commands({}))
  table.sort(results.commands)

  step = 'lsp/tandem.lua'
  local native = dofile(vim.api.nvim_get_runtime_file('lsp/tandem.lua', false)[1])
  results.native_config = { cmd = native.cmd, has_trace_handler = native.handlers['tandem/traceDidChange'] ~= nil, root_markers = native.root_markers }

  step = 'setup'
  local tandem = require('tandem')
  -- An editor setting the server must receive (the fixture's tandem.json leaves it at its default).
  tandem.setup({
    settings = { trace = { uncoveredSeverity = 'information' } },
    on_attach = function(client, bufnr)
      results.user_on_attach = results.user_on_attach or { client = client.name, maps_before = vim.fn.maparg('gd', 'n', false, true).buffer == 1 }
    end,
  })
  local requirements_file = root .. '/docs/requirements.md'
  local source_file = root .. '/src/cart.js'
  vim.cmd('edit ' .. vim.fn.fnameescape(requirements_file))
  wait_for('a Tandem client to start', 15000, function() return #tandem.clients() > 0 end)
  local first_client = tandem.clients()[1]
  results.client = { cmd = first_client.config.cmd, root_dir = first_client.config.root_dir, offset_encoding = first_client.offset_encoding }

  step = 'diagnostics'
  -- Diagnostics published before the first index finished may be stale; wait until they sit on
  -- exactly the requirements the server lists as gaps.
  wait_for('the end of the first full index', 20000, function() return indexed_clients[first_client.id] == true end)
  local gaps = call(first_client, 'request_sync', 'tandem/requirements', { gapsOnly = true }, 5000, vim.api.nvim_get_current_buf())
  local gap_lines = {}
  for _, summary in ipairs(gaps.result.requirements) do table.insert(gap_lines, summary.location.range.start.line) end
  wait_for('diagnostics on the gaps of docs/requirements.md', 20000, function()
    local lines = vim.tbl_map(function(diagnostic) return diagnostic.lnum end, diagnostics_of(requirements_file))
    return #lines > 0 and vim.deep_equal(lines, gap_lines)
  end)
  results.diagnostics = diagnostics_of(requirements_file)

  step = 'buffer maps and :help'
  local function buffer_map(lhs)
    local map = vim.fn.maparg(lhs, 'n', false, true)
    return map.buffer == 1 and map.desc or false
  end
  results.buffer_maps = { K = buffer_map('K'), gd = buffer_map('gd'), gr = buffer_map('gr'), trace = buffer_map('<leader>tt') }
  local help_ok, help_error = pcall(vim.cmd, 'help tandem')
  results.help = { ok = help_ok, file = vim.fn.expand('%:t') }
  if not help_ok then results.help.error = tostring(help_error) end
  if help_ok then vim.cmd('close') end

  step = ':TandemRequirements'
  vim.cmd('TandemRequirements')
  wait_for('the requirements quickfix list', 10000, function()
    local title, items = qf_state()
    return title == 'Tandem: requirements' and #items > 0
  end)
  results.requirements = describe_items(select(2, qf_state()))
  results.quickfix_window_open = vim.fn.getqflist({ winid = 0 }).winid ~= 0

  step = ':TandemRequirements!'
  vim.cmd('TandemRequirements!')
  wait_for('the gaps quickfix list', 10000, function()
    return (qf_state()) == 'Tandem: requirements with gaps'
  end)
  results.gaps = describe_items(select(2, qf_state()))

  step = ':TandemTrace CART-1'
  vim.cmd('TandemTrace CART-1')
  wait_for('the trace location list of CART-1', 10000, function()
    local previous = vim.fn.win_getid(vim.fn.winnr('#'))
    for _, winid in ipairs({ vim.api.nvim_get_current_win(), previous }) do
      if vim.fn.getloclist(winid, { title = 0 }).title == 'Tandem: trace of CART-1' then
        results.trace = describe_items(vim.fn.getloclist(winid))
        return true
      end
    end
    return false
  end)

  step = ':TandemTrace at the cursor'
  vim.cmd('only')
  vim.cmd('edit ' .. vim.fn.fnameescape(source_file))
  wait_for('the client to attach to src/cart.js', 10000, function() return tandem.client_for(vim.api.nvim_get_current_buf()).attached_buffers[vim.api.nvim_get_current_buf()] end)
  cursor_to('CART-2')
  local source_window = vim.api.nvim_get_current_win()
  vim.cmd('TandemTrace')
  wait_for('the trace location list of the ID at the cursor', 10000, function()
    return vim.fn.getloclist(source_window, { title = 0 }).title:match('^Tandem: trace of ') ~= nil
  end)
  results.trace_at_cursor = {
    title = vim.fn.getloclist(source_window, { title = 0 }).title,
    items = describe_items(vim.fn.getloclist(source_window)),
  }

  step = ':TandemCoverage'
  vim.api.nvim_set_current_win(source_window)
  vim.cmd('TandemCoverage')
  wait_for('the coverage buffer', 10000, function()
    local bufnr = vim.fn.bufnr('tandem://coverage')
    return bufnr ~= -1 and vim.api.nvim_buf_get_lines(bufnr, 0, 1, false)[1] ~= ''
  end)
  results.coverage = vim.api.nvim_buf_get_lines(vim.fn.bufnr('tandem://coverage'), 0, -1, false)

  step = 'an edit updates the views'
  vim.api.nvim_set_current_win(source_window)
  vim.cmd('TandemRequirements')
  wait_for('the requirements list again', 10000, function() return (qf_state()) == 'Tandem: requirements' end)
  vim.api.nvim_set_current_win(source_window)
  local remove_line = line_of('remove(name) {')
  vim.api.nvim_buf_set_lines(0, remove_line - 1, remove_line - 1, false, { '  // @implements CART-3' })
  wait_for('CART-3 to become untested in the refreshed quickfix list', 10000, function()
    for _, item in ipairs(select(2, qf_state())) do
      if item.text:match('^CART%-3 %[untested%]') then return true end
    end
    return false
  end)
  results.requirements_after_edit = describe_items(select(2, qf_state()))
  wait_for('the coverage buffer to refresh', 10000, function()
    local lines = vim.api.nvim_buf_get_lines(vim.fn.bufnr('tandem://coverage'), 0, -1, false)
    return table.concat(lines, '\n'):match('unimplemented 0') ~= nil
  end)
  results.coverage_after_edit = vim.api.nvim_buf_get_lines(vim.fn.bufnr('tandem://coverage'), 0, -1, false)
  wait_for('the unimplemented diagnostic on CART-3 to go', 10000, function()
    for _, diagnostic in ipairs(diagnostics_of(requirements_file)) do
      if diagnostic.message:match('CART%-3') and diagnostic.message:lower():match('implement') and not diagnostic.message:lower():match('test') then return false end
    end
    return true
  end)
  results.diagnostics_after_edit = diagnostics_of(requirements_file)

  step = 'the trace lens opens :TandemTrace'
  local requirements_buffer = vim.fn.bufnr(requirements_file)
  vim.api.nvim_set_current_buf(requirements_buffer)
  vim.lsp.codelens.refresh()
  wait_for('code lenses on docs/requirements.md', 10000, function() return #vim.lsp.codelens.get(requirements_buffer) > 0 end)
  cursor_to('CART-1')
  local line_lenses = vim.tbl_filter(function(lens) return lens.range.start.line == vim.api.nvim_win_get_cursor(0)[1] - 1 end, vim.lsp.codelens.get(requirements_buffer))
  results.lens_commands = vim.tbl_map(function(lens) return lens.command and lens.command.command end, line_lenses)
  -- With more than one lens on the line Neovim asks which to run: pick the trace lens.
  local default_select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    for index, item in ipairs(items) do
      local command = item.command or (item.lens and item.lens.command) or item
      if type(command) == 'table' and command.command == 'tandem.showTrace' then return on_choice(item, index) end
      if type(opts.format_item) == 'function' and tostring(opts.format_item(item)):match('implement') then return on_choice(item, index) end
    end
    return on_choice(items[1], 1)
  end
  vim.lsp.codelens.run()
  wait_for('the trace lens to fill the location list', 10000, function()
    for _, winid in ipairs(vim.api.nvim_list_wins()) do
      if vim.fn.getloclist(winid, { title = 0 }).title == 'Tandem: trace of CART-1' then return true end
    end
    return false
  end)
  vim.ui.select = default_select
  results.lens_opened_trace = true

  step = ':TandemRestart'
  local old_id = first_client.id
  vim.api.nvim_set_current_win(source_window)
  vim.cmd('TandemRestart')
  wait_for('a new Tandem client after the restart', 15000, function()
    local client = tandem.clients()[1]
    return client ~= nil and client.id ~= old_id and client.attached_buffers[vim.api.nvim_get_current_buf()] == true
  end)
  results.restarted = { old_id = old_id, new_id = tandem.clients()[1].id, clients = #tandem.clients() }
  wait_for('the restarted server to log the end of its first index', 15000, function()
    return indexed_clients[tandem.clients()[1].id] == true
  end)
  vim.fn.setqflist({}, ' ', { title = 'cleared', items = {} })
  vim.cmd('TandemRequirements!')
  wait_for('the gaps list from the restarted server', 15000, function()
    local title, items = qf_state()
    return title == 'Tandem: requirements with gaps' and #items > 0
  end)
  results.gaps_after_restart = describe_items(select(2, qf_state()))

  step = ':TandemRunTests'
  vim.cmd('TandemRunTests')
  wait_for('the test run summary', 30000, function() return message_matching('^Tandem: tests ') ~= nil end)
  results.run_tests_message = message_matching('^Tandem: tests ')

  step = ':TandemGenerate CART-3'
  local started = vim.loop.hrtime()
  local function report_message()
    for _, message in ipairs(messages) do
      local status = message:match('^Tandem: (%a+): ')
      if status and vim.tbl_contains({ 'applied', 'notApplied', 'offered', 'failed', 'cancelled', 'error' }, status) then return message end
    end
  end
  vim.cmd('TandemGenerate CART-3')
  wait_for('the generation report', 60000, function() return report_message() ~= nil end)
  results.generate_ms = math.floor((vim.loop.hrtime() - started) / 1e6)
  results.generate_message = report_message()
  results.message_requests = message_requests
  results.generation_progress = vim.tbl_filter(function(line) return (line:match('^Tandem: Implement CART%-3') or line:match('^Tandem: Add tests for CART%-3')) ~= nil end, echoed)
  results.generated_files = vim.fn.glob(root .. '/src/*.js', false, true)


end

local ok, err = pcall(run)
if not ok then
  results.error = tostring(err)
  results.failed_step = step
end
pcall(write_results)
for _, client in ipairs(require('tandem').clients()) do
  pcall(call, client, 'stop', true)
end
vim.cmd(ok and 'qall!' or 'cquit! 1')
