-- Tandem for vim.lsp.config / vim.lsp.enable (Neovim 0.11+):
--
--   vim.lsp.enable('tandem')
--   vim.lsp.config('tandem', { settings = { tandem = { ... } } })  -- optional
--
-- The command is `tandem-ls --stdio` from PATH, else the server beside this plugin.
local config = require('tandem.config')
local tandem = require('tandem')

local cmd = config.server_command() or { 'tandem-ls', '--stdio' }

return {
  cmd = cmd,
  filetypes = config.default_filetypes,
  root_markers = config.defaults.root_markers,
  settings = { tandem = vim.empty_dict() },
  handlers = tandem.handlers,
}
