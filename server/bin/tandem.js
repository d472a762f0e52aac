#!/usr/bin/env node
'use strict';
// The Tandem command-line tool: trace matrix, CI gate, demo. Built by `npm run build` into out/.
require('../../out/server/src/cli/main.js');
