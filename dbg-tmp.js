const path=require('path');
const ts=require('typescript');
const {gatherTask}=require('./out/server/src/generation/gather');
const {shopWorkspace,diskView}=require('./out/test/generation/support/workspace');
const root=shopWorkspace();
let t=Date.now(); gatherTask(ts, diskView(root), {kind:'stub', path: path.join(root,'src','slugify.ts'), symbol:'slugify'}); console.log('gather1', Date.now()-t);
