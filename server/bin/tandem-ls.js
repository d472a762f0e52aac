#!/usr/bin/env node
'use strict';
// The Tandem language server. Built by `npm run build` into out/ (`npm pack` builds it first).
const path = require('node:path');
const main = path.join(__dirname, '..', '..', 'out', 'server', 'src', 'main.js');
try {
  require.resolve(main);
} catch {
  process.stderr.write(`tandem-ls: the server is not built (${main} is missing): run \`npm run build\` in ${path.resolve(__dirname, '..', '..')}, or install Tandem from a tarball made by \`npm pack\`.\n`);
  process.exit(1);
}
require(main);
