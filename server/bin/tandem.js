#!/usr/bin/env node
'use strict';
// The Tandem command-line tool: trace matrix, CI gate, demo. Built by `npm run build` into out/.
const path = require('node:path');
const main = path.join(__dirname, '..', '..', 'out', 'server', 'src', 'cli', 'main.js');
try {
  require.resolve(main);
} catch {
  process.stderr.write(`tandem: the command line is not built (${main} is missing): run \`npm run build\` in ${path.resolve(__dirname, '..', '..')}, or install Tandem from a tarball made by \`npm pack\`.\n`);
  process.exit(1);
}
require(main);
