#!/usr/bin/env node
'use strict';
// The Tandem language server. Built by `npm run build` into out/.
require('../../out/server/src/main.js');
