const ts = require('typescript');
const p = require('./out/bench/precision');
const { corpusFiles } = require('./out/bench/precision-corpus');
const labels = p.readLabels();
const found = p.corpusFindings(corpusFiles(), ts);
const key = (a,b,c,d)=>[a,b,c,d].join('\t');
const m = new Map(labels.map(l=>[key(l.packageName,l.file,l.line,l.rule),l]));
for (const f of found) { const l = m.get(key(f.file.packageName,f.file.relative,f.line,f.finding.code)); if (l && l.verdict==='fp' && process.argv.includes(f.finding.code)) console.log(f.finding.code, f.file.packageName, f.file.relative, f.line, l.reason); }
