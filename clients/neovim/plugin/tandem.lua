-- Tandem's user commands. They work whether the server was started by require('tandem').setup()
-- or by vim.lsp.enable('tandem') (Neovim 0.11+).
if vim.g.loaded_tandem or vim.fn.has('nvim-0.7') == 0 then return end
vim.g.loaded_tandem = true

local command = vim.api.nvim_create_user_command

command('TandemRequirements', function(args) require('tandem').requirements(args.bang) end,
  { bang = true, desc = 'Tandem: requirements with status in the quickfix list (! for gaps only)' })
command('TandemTrace', function(args) require('tandem').trace(args.args) end,
  { nargs = '?', desc = 'Tandem: trace of a requirement (the one at the cursor by default) in the location list' })
command('TandemCoverage', function() require('tandem').coverage() end,
  { desc = 'Tandem: coverage summary' })
command('TandemGenerate', function(args) require('tandem').generate(args.args) end,
  { nargs = '?', desc = 'Tandem: generate implementation and tests for a requirement' })
command('TandemRunTests', function(args) require('tandem').run_tests(args.args) end,
  { nargs = '?', desc = 'Tandem: run the tests (those of requirement ID when given)' })
command('TandemRestart', function() require('tandem').restart() end,
  { desc = 'Tandem: restart the language server' })
command('TandemInfo', function() require('tandem').info() end,
  { desc = 'Tandem: what the server is doing' })
