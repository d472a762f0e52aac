/**
 * Every output format on a hostile requirement: an ID and a title holding markup, `&`, quotes,
 * commas, line feeds, a lone carriage return, terminal escape sequences and the XML-forbidden
 * U+FFFE/U+FFFF (read from a ReqIF file, whose attributes can carry all of them). Each format
 * must stay well-formed for its readers and show the text, never run it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import { csvField, markdownCell, oneLine, stripEscapes, xmlAttribute } from '../../server/src/report/escape';
import { cliBin, writeWorkspace } from '../support/lsp';

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const esc = '\u001b';
const hostileTitle = `<script>alert("x")</script> & 'q', a|b\nsecond\rafter-cr ${esc}[31mred${esc}[0m ${esc}]0;title${esc}\\ \u009b2J x\uFFFE\uFFFF <b>bold</b>`;
const hostileId = 'R<&"\',1';

/** XML attribute text for the ReqIF file: markup escaped, line breaks as references, the rest raw (as a tool would leave it). */
function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const reqif = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"><CORE-CONTENT><REQ-IF-CONTENT>',
  '<SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER="T" LONG-NAME="Requirement"><SPEC-ATTRIBUTES>',
  '<ATTRIBUTE-DEFINITION-STRING IDENTIFIER="A-ID" LONG-NAME="ReqIF.ForeignID"/><ATTRIBUTE-DEFINITION-STRING IDENTIFIER="A-NAME" LONG-NAME="ReqIF.Name"/>',
  '</SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE></SPEC-TYPES><SPEC-OBJECTS>',
  `<SPEC-OBJECT IDENTIFIER="O1"><TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE><VALUES>`,
  `<ATTRIBUTE-VALUE-STRING THE-VALUE="${attr(hostileId)}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>A-ID</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>`,
  `<ATTRIBUTE-VALUE-STRING THE-VALUE="${attr(hostileTitle)}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>A-NAME</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>`,
  '</VALUES></SPEC-OBJECT></SPEC-OBJECTS></REQ-IF-CONTENT></CORE-CONTENT></REQ-IF>',
].join('\n');

/** Parses XML strictly; returns the errors (none for well-formed XML). */
function xmlErrors(text: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser();
  parser.on('error', (error) => errors.push(error.message));
  parser.write(text).close();
  return errors;
}

function assertNoTerminalControls(format: string, text: string): void {
  assert.ok(!text.includes(esc), `${format} holds ESC`);
  assert.ok(!text.includes('\u009b'), `${format} holds the 8-bit CSI`);
  assert.ok(!/[\uFFFE\uFFFF]/.test(text), `${format} holds U+FFFE/U+FFFF`);
}

describe('report: escaping of every format', function () {
  this.timeout(90000);
  let root: string;
  before(() => {
    root = writeWorkspace({ 'reqs/hostile.reqif': reqif });
    // The title really holds everything: the JSON carries it unchanged.
    const json = JSON.parse(tandem(['trace', '--format', 'json', root]).stdout);
    assert.equal(json.requirements.length, 1);
    assert.equal(json.requirements[0].requirement.id, hostileId);
    assert.ok(json.requirements[0].requirement.title.includes(`${esc}[31m`), 'the fixture carries the escape sequence');
    assert.ok(json.requirements[0].requirement.title.includes('\r'), 'the fixture carries a lone CR');
  });

  it('text: one line per requirement, no escape sequences or control characters', () => {
    const out = tandem(['trace', root]).stdout;
    assertNoTerminalControls('text', out);
    assert.ok(!out.includes('\r'));
    const rows = out.split('\n').filter((line) => line.startsWith('R<'));
    assert.equal(rows.length, 1, out);
    assert.match(rows[0], /<script>alert\("x"\)<\/script> & 'q', a\|b second after-cr red/);
    const check = tandem(['check', root]).stdout;
    assertNoTerminalControls('check', check);
    assert.equal(check.split('\n').filter((line) => line.includes('R<&')).length, 1, check);
  });

  it('csv: one record, quoted, every field intact for a spreadsheet', () => {
    const out = tandem(['trace', '--format', 'csv', root]).stdout;
    assertNoTerminalControls('csv', out);
    const body = out.slice(out.indexOf('\r\n') + 2);
    assert.ok(body.startsWith(`"R<&""',1","<script>alert(""x"")</script> & 'q', a|b\nsecond\rafter-cr red`), body);
  });

  it('markdown: one table row, raw HTML shown as text, no lone CR', () => {
    const out = tandem(['trace', '--format', 'markdown', root]).stdout;
    assertNoTerminalControls('markdown', out);
    assert.ok(!out.includes('\r'));
    const rows = out.split('\n').filter((line) => line.startsWith('| R'));
    assert.equal(rows.length, 1, out);
    assert.ok(!rows[0].includes('<'), `no raw markup in ${rows[0]}`);
    assert.match(rows[0], /&lt;script&gt;alert\("x"\)&lt;\/script&gt; &amp; 'q', a\\\|b second after-cr red/);
    assert.equal(rows[0].split(/(?<!\\)\|/).length, 9, 'the cells are those of the header');
  });

  it('junit: well-formed XML with the text in attributes', () => {
    const out = tandem(['trace', '--format', 'junit', root]).stdout;
    assert.deepEqual(xmlErrors(out), []);
    assertNoTerminalControls('junit', out);
    assert.match(out, /name="R&lt;&amp;&quot;',1 &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; 'q', a\|b&#10;second&#13;after-cr red/);
  });

  it('html: the title is text, not markup or script', () => {
    const out = tandem(['trace', '--format', 'html', root]).stdout;
    assertNoTerminalControls('html', out);
    // The page's data block may hold the raw text (for filters), but nothing that ends or alters it.
    const start = out.indexOf('<script type="application/json" id="tandem-data">') + 49;
    const data = out.slice(start, out.indexOf('</script>', start));
    assert.ok(data.length > 0 && !data.includes('</') && !data.includes('<!--'), 'the data cannot close its element');
    const outside = out.slice(0, start) + out.slice(start + data.length);
    assert.ok(!outside.includes('<script>alert'), 'no script from the title');
    assert.ok(!outside.includes('<b>bold') && !data.includes('<b>bold</b></td>'), 'no markup from the title');
    assert.ok(out.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;, a|b'));
    assert.ok(out.includes('"req-R_3c__26__22__27__2c_1"'), 'the anchor of the ID is spelled out');
  });

  it('sarif: JSON whose messages hold no control characters', () => {
    const out = tandem(['check', '--format', 'sarif', root]).stdout;
    const log = JSON.parse(out);
    const messages = log.runs[0].results.map((r: any) => r.message.text).join('\n');
    assertNoTerminalControls('sarif', messages);
    assert.ok(messages.includes(`${hostileId.replace('\n', ' ')} is unimplemented: <script>`));
  });

  it('reqif: well-formed XML that reads back to the same ID and a cleaned title', () => {
    const out = tandem(['trace', '--format', 'reqif', root]).stdout;
    assert.deepEqual(xmlErrors(out), []);
    assertNoTerminalControls('reqif', out);
    const again = writeWorkspace({ 'back.reqif': out });
    const json = JSON.parse(tandem(['trace', '--format', 'json', again]).stdout);
    assert.equal(json.requirements[0].requirement.id, hostileId);
    // ReqIF is data: line breaks stay; escape sequences and characters XML forbids do not.
    assert.equal(json.requirements[0].requirement.title, `<script>alert("x")</script> & 'q', a|b\nsecond\rafter-cr red   x <b>bold</b>`);
    fs.rmSync(again, { recursive: true, force: true });
    void path;
  });

  it('the escaping functions: each sequence kind, formula cells, and linear time on unterminated sequences', () => {
    assert.equal(stripEscapes(`a${esc}[1;31mb${esc}[0mc${esc}]8;;http://x${esc}\\d${esc}]0;t\u0007e${esc}Pq${esc}\\f${esc}7g\u009b1mh`), 'abcdefgh');
    assert.equal(oneLine('a\r\nb\rc\nd\u2028e'), 'a b c d e');
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('-2, x'), `"'-2, x"`);
    assert.equal(markdownCell('<i>|</i>\\'), '&lt;i&gt;\\|&lt;/i&gt;\\\\');
    assert.equal(xmlAttribute('\uFFFE"\ud800\t'), '&quot;&#9;');
    const long = `${esc}]`.repeat(200000) + `${esc}[`.repeat(200000);
    assert.equal(stripEscapes(long), '');
  });
});
