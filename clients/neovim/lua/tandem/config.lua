-- Tandem's Neovim settings: the defaults, the user's options, and what follows from them (the
-- command that starts the server, the root of a file's workspace). Works on Neovim 0.7 and later,
-- so it uses no vim.fs (0.8+) and no vim.uv (0.10+).
local M = {}

local uv = vim.uv or vim.loop

-- The file types Tandem attaches to by default: requirement documents and the languages whose
-- comments may carry trace tags. Users narrow or widen the list with `filetypes`.
M.default_filetypes = {
  'markdown', 'text', 'yaml',
  'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'vue', 'svelte',
  'python', 'go', 'java', 'kotlin', 'scala', 'groovy', 'c', 'cpp', 'cs', 'fsharp', 'rust', 'ruby',
  'sh', 'bash', 'zsh', 'fish', 'sql', 'lua', 'lisp', 'clojure', 'scheme', 'racket', 'swift', 'php',
  'dart', 'elixir', 'erlang', 'haskell', 'ocaml', 'vb', 'r', 'perl', 'ps1', 'ada', 'fortran',
  'objc', 'objcpp',
}

-- The defaults. `cmd` nil means: `tandem-ls` on PATH, else the server of this plugin's own checkout.
M.defaults = {
  cmd = nil,
  filetypes = M.default_filetypes,
  root_markers = { 'tandem.json', '.git', 'package.json' },
  -- The `tandem` settings section (see the top-level README); sent as initializationOptions and
  -- answered to `workspace/configuration`.
  settings = {},
  -- Echo the server's work-done progress (indexing, test runs, generation) in the message area.
  progress = true,
  -- Open the quickfix / location list window after a view fills it.
  open_lists = true,
  -- Called as on_attach(client, bufnr) when the server attaches to a buffer (after the maps below).
  on_attach = nil,
  -- Buffer-local maps set on attach (Neovim before 0.11 maps none of these itself); false sets
  -- none, a table replaces the defaults ({ lhs = false } drops one).
  keymaps = true,
}

-- The buffer-local maps `keymaps = true` sets: lhs → { what, description }.
M.default_keymaps = {
  K = { 'hover', 'Tandem: hover' },
  gd = { 'definition', 'Tandem: go to definition' },
  gr = { 'references', 'Tandem: references' },
  ['<leader>ca'] = { 'code_action', 'Tandem: code actions' },
  ['<leader>cl'] = { 'codelens', 'Tandem: run the code lens on this line' },
  ['<leader>tt'] = { 'trace', 'Tandem: trace of the requirement at the cursor' },
}

M.options = vim.deepcopy(M.defaults)

-- Replaces the options by the defaults merged with `opts` (a table, possibly nil).
function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  if opts and opts.filetypes then M.options.filetypes = opts.filetypes end
  if opts and opts.root_markers then M.options.root_markers = opts.root_markers end
  if opts and type(opts.keymaps) == 'table' then M.options.keymaps = opts.keymaps end
  return M.options
end

-- The folder of this plugin (clients/neovim), found from this file's own path.
function M.plugin_root()
  local source = debug.getinfo(1, 'S').source:gsub('^@', '')
  return vim.fn.fnamemodify(source, ':p:h:h:h')
end

-- The server's own script when the plugin lives in a Tandem checkout or package:
-- <root>/clients/neovim → <root>/server/bin/tandem-ls.js.
function M.bundled_server()
  local script = M.plugin_root() .. '/../../server/bin/tandem-ls.js'
  script = vim.fn.fnamemodify(script, ':p')
  if uv.fs_stat(script) then return script end
  return nil
end

-- The command line that starts the server over stdio, or nil and a reason when none is found.
function M.server_command(options)
  options = options or M.options
  if type(options.cmd) == 'table' and #options.cmd > 0 then return options.cmd end
  if type(options.cmd) == 'string' and options.cmd ~= '' then return { options.cmd, '--stdio' } end
  if vim.fn.executable('tandem-ls') == 1 then return { 'tandem-ls', '--stdio' } end
  local script = M.bundled_server()
  if script and vim.fn.executable('node') == 1 then return { 'node', script, '--stdio' } end
  return nil, 'tandem-ls was not found on PATH and this plugin has no server beside it; '
    .. 'install it (run npm link in a Tandem checkout) or set cmd in setup()'
end

-- The nearest folder above `path` that holds one of `markers`, or nil.
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    for _, marker in ipairs(markers) do
      if uv.fs_stat(dir .. '/' .. marker) then return dir end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then break end
    dir = parent
  end
  return nil
end

-- True when Tandem should serve buffers of this file type.
function M.wants_filetype(filetype, options)
  options = options or M.options
  if options.filetypes == nil or options.filetypes == '*' then return filetype ~= '' end
  return vim.tbl_contains(options.filetypes, filetype)
end

return M
