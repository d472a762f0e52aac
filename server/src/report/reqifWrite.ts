/**
 * `tandem trace --format reqif`: the requirements as a ReqIF 1.2 document, with Tandem's verdict
 * as attributes (`Tandem.Status`, `Tandem.Implementations`, `Tandem.Tests`, `Tandem.Defects`,
 * `Tandem.Location`), so results go back into the tool the requirements came from.
 *
 * A requirement read from ReqIF keeps its SPEC-OBJECT IDENTIFIER (the key a tool matches an
 * import by); others get `tandem-` identifiers derived from their IDs. IDs are written as
 * `ReqIF.ForeignID`, titles as `ReqIF.Name`, texts as `ReqIF.Text` (XHTML), the artifact type as the
 * SPEC-OBJECT-TYPE, upstream links as SPEC-RELATIONs and sections as the SPEC-HIERARCHY, so that
 * reading the export gives the same requirements back.
 */
import type { RequirementTrace } from '../../../protocol/trace';
import { requirementStatuses } from '../../../protocol/trace';
import type { TraceGraph } from '../trace/graph';
import { where } from '../trace/reports';
import { serverVersion } from '../version';
import { xmlAttribute, xmlText } from './escape';

export interface ReqifWriteOptions {
  relativeTo?: string;
  title: string;
  now?: Date;
}

/** An NCName (what an XML ID must be): a letter or `_` first, then letters, digits, `.`, `-`, `_`. */
const ncName = /^[A-Za-z_][A-Za-z0-9._-]*$/;

function generatedIdentifier(id: string): string {
  let out = 'tandem-';
  for (const char of id) out += /[A-Za-z0-9.-]/.test(char) ? char : `_${char.codePointAt(0)!.toString(16)}_`;
  return out;
}

const typeAttributes = [
  ['ID', 'ReqIF.ForeignID', 'STRING'],
  ['NAME', 'ReqIF.Name', 'STRING'],
  ['TEXT', 'ReqIF.Text', 'XHTML'],
  ['STATUS', 'Tandem.Status', 'ENUMERATION'],
  ['IMPL', 'Tandem.Implementations', 'INTEGER'],
  ['TESTS', 'Tandem.Tests', 'INTEGER'],
  ['DEFECTS', 'Tandem.Defects', 'STRING'],
  ['LOCATION', 'Tandem.Location', 'STRING'],
] as const;

const dataTypeOf = { STRING: 'tandem-dt-string', XHTML: 'tandem-dt-xhtml', INTEGER: 'tandem-dt-integer', ENUMERATION: 'tandem-dt-status' } as const;

export function writeReqif(graph: TraceGraph, options: ReqifWriteOptions): string {
  const now = (options.now ?? new Date()).toISOString();
  const summaries = graph.requirements({});
  const traces: RequirementTrace[] = [];
  for (const summary of summaries) {
    const trace = graph.trace(summary.id);
    if (trace) traces.push(trace);
  }
  // Identifiers: the source's own where it is a valid, unused XML ID.
  const identifiers = new Map<string, string>();
  const used = new Set<string>();
  for (const trace of traces) {
    const original = graph.reqifIdentifier(trace.requirement.id);
    let identifier = original && ncName.test(original) && !used.has(original) ? original : generatedIdentifier(trace.requirement.id);
    for (let n = 2; used.has(identifier); n++) identifier = `${generatedIdentifier(trace.requirement.id)}-${n}`;
    used.add(identifier);
    identifiers.set(trace.requirement.id, identifier);
  }
  const types = [...new Set(traces.map((t) => t.requirement.artifactType))].sort();
  const typeId = new Map(types.map((type, i) => [type, `tandem-type-${i + 1}`]));
  const out: string[] = [];
  const at = `LAST-CHANGE="${now}"`;
  out.push(
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    '  <THE-HEADER>',
    '    <REQ-IF-HEADER IDENTIFIER="tandem-header">',
    `      <CREATION-TIME>${now}</CREATION-TIME>`,
    `      <REQ-IF-TOOL-ID>Tandem ${xmlText(serverVersion())}</REQ-IF-TOOL-ID>`,
    '      <REQ-IF-VERSION>1.0</REQ-IF-VERSION>',
    '      <SOURCE-TOOL-ID>Tandem</SOURCE-TOOL-ID>',
    `      <TITLE>${xmlText(options.title)}</TITLE>`,
    '    </REQ-IF-HEADER>',
    '  </THE-HEADER>',
    '  <CORE-CONTENT>',
    '    <REQ-IF-CONTENT>',
    '      <DATATYPES>',
    `        <DATATYPE-DEFINITION-STRING IDENTIFIER="tandem-dt-string" LONG-NAME="Tandem string" MAX-LENGTH="1000000" ${at}/>`,
    `        <DATATYPE-DEFINITION-XHTML IDENTIFIER="tandem-dt-xhtml" LONG-NAME="Tandem XHTML" ${at}/>`,
    `        <DATATYPE-DEFINITION-INTEGER IDENTIFIER="tandem-dt-integer" LONG-NAME="Tandem count" MIN="0" MAX="2147483647" ${at}/>`,
    `        <DATATYPE-DEFINITION-ENUMERATION IDENTIFIER="tandem-dt-status" LONG-NAME="Tandem status" ${at}>`,
    '          <SPECIFIED-VALUES>',
    ...requirementStatuses.map(
      (status, i) => `            <ENUM-VALUE IDENTIFIER="tandem-status-${status}" LONG-NAME="${status}" ${at}><PROPERTIES><EMBEDDED-VALUE KEY="${i}" OTHER-CONTENT="${status}"/></PROPERTIES></ENUM-VALUE>`,
    ),
    '          </SPECIFIED-VALUES>',
    '        </DATATYPE-DEFINITION-ENUMERATION>',
    '      </DATATYPES>',
    '      <SPEC-TYPES>',
  );
  for (const type of types) {
    const t = typeId.get(type)!;
    out.push(`        <SPEC-OBJECT-TYPE IDENTIFIER="${t}" LONG-NAME="${xmlAttribute(type)}" ${at}>`, '          <SPEC-ATTRIBUTES>');
    for (const [key, name, kind] of typeAttributes) {
      out.push(
        `            <ATTRIBUTE-DEFINITION-${kind} IDENTIFIER="${t}-${key}" LONG-NAME="${name}"${kind === 'ENUMERATION' ? ' MULTI-VALUED="false"' : ''} ${at}><TYPE><DATATYPE-DEFINITION-${kind}-REF>${dataTypeOf[kind]}</DATATYPE-DEFINITION-${kind}-REF></TYPE></ATTRIBUTE-DEFINITION-${kind}>`,
      );
    }
    out.push('          </SPEC-ATTRIBUTES>', '        </SPEC-OBJECT-TYPE>');
  }
  out.push(
    `        <SPEC-RELATION-TYPE IDENTIFIER="tandem-relation-type" LONG-NAME="Tandem link" ${at}/>`,
    `        <SPECIFICATION-TYPE IDENTIFIER="tandem-specification-type" LONG-NAME="Tandem trace" ${at}/>`,
    '      </SPEC-TYPES>',
    '      <SPEC-OBJECTS>',
  );
  for (const trace of traces) {
    const s = trace.requirement;
    const t = typeId.get(s.artifactType)!;
    const definition = (key: string, kind: string) => `<DEFINITION><ATTRIBUTE-DEFINITION-${kind}-REF>${t}-${key}</ATTRIBUTE-DEFINITION-${kind}-REF></DEFINITION>`;
    const simple = (key: string, kind: string, theValue: string) => `            <ATTRIBUTE-VALUE-${kind} THE-VALUE="${xmlAttribute(theValue)}">${definition(key, kind)}</ATTRIBUTE-VALUE-${kind}>`;
    const nested = (key: string, kind: string, inner: string) => `            <ATTRIBUTE-VALUE-${kind}>${definition(key, kind)}${inner}</ATTRIBUTE-VALUE-${kind}>`;
    out.push(`        <SPEC-OBJECT IDENTIFIER="${identifiers.get(s.id)}" ${at}>`, `          <TYPE><SPEC-OBJECT-TYPE-REF>${t}</SPEC-OBJECT-TYPE-REF></TYPE>`, '          <VALUES>');
    out.push(
      simple('ID', 'STRING', s.id),
      simple('NAME', 'STRING', s.title),
      nested('TEXT', 'XHTML', `<THE-VALUE>${xhtmlOf(trace.text)}</THE-VALUE>`),
      nested('STATUS', 'ENUMERATION', `<VALUES><ENUM-VALUE-REF>tandem-status-${s.status}</ENUM-VALUE-REF></VALUES>`),
      simple('IMPL', 'INTEGER', String(s.implementations)),
      simple('TESTS', 'INTEGER', String(s.tests)),
      simple('DEFECTS', 'STRING', s.defects.join(' ')),
      simple('LOCATION', 'STRING', where(s.location, { relativeTo: options.relativeTo })),
    );
    out.push('          </VALUES>', '        </SPEC-OBJECT>');
  }
  out.push('      </SPEC-OBJECTS>', '      <SPEC-RELATIONS>');
  let relation = 0;
  for (const trace of traces) {
    for (const up of trace.upstream) {
      const target = identifiers.get(up.id);
      if (!target) continue;
      relation++;
      out.push(
        `        <SPEC-RELATION IDENTIFIER="tandem-relation-${relation}" ${at}><TYPE><SPEC-RELATION-TYPE-REF>tandem-relation-type</SPEC-RELATION-TYPE-REF></TYPE><SOURCE><SPEC-OBJECT-REF>${identifiers.get(trace.requirement.id)}</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>${target}</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>`,
      );
    }
  }
  out.push('      </SPEC-RELATIONS>', '      <SPECIFICATIONS>');
  // One specification per outermost section (the source's own specifications); the rest is flat.
  const bySpecification = new Map<string, RequirementTrace[]>();
  for (const trace of traces) {
    const name = trace.section?.[0] ?? options.title;
    const list = bySpecification.get(name) ?? [];
    list.push(trace);
    bySpecification.set(name, list);
  }
  let specification = 0;
  let hierarchy = 0;
  for (const [name, list] of bySpecification) {
    specification++;
    out.push(
      `        <SPECIFICATION IDENTIFIER="tandem-specification-${specification}" LONG-NAME="${xmlAttribute(name)}" ${at}>`,
      '          <TYPE><SPECIFICATION-TYPE-REF>tandem-specification-type</SPECIFICATION-TYPE-REF></TYPE>',
      '          <CHILDREN>',
    );
    for (const trace of list) {
      hierarchy++;
      out.push(`            <SPEC-HIERARCHY IDENTIFIER="tandem-hierarchy-${hierarchy}" ${at}><OBJECT><SPEC-OBJECT-REF>${identifiers.get(trace.requirement.id)}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>`);
    }
    out.push('          </CHILDREN>', '        </SPECIFICATION>');
  }
  out.push('      </SPECIFICATIONS>', '    </REQ-IF-CONTENT>', '  </CORE-CONTENT>', '</REQ-IF>', '');
  return out.join('\n');
}

/** Plain text as XHTML: one `xhtml:p` per paragraph, line breaks as `xhtml:br`. */
function xhtmlOf(text: string): string {
  const paragraphs = text
    .trim()
    .split(/\n\s*\n/)
    .filter((p) => p.trim().length > 0);
  if (paragraphs.length === 0) return '<xhtml:div></xhtml:div>';
  return `<xhtml:div>${paragraphs.map((p) => `<xhtml:p>${p.trim().split('\n').map(xmlText).join('<xhtml:br/>')}</xhtml:p>`).join('')}</xhtml:div>`;
}
