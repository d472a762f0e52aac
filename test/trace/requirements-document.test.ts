/**
 * Which Markdown files are requirements documents under the default glob (`**\/*.md`): in any
 * Markdown file a heading that starts with an ID defines a requirement; a list item or table row
 * does only in a requirements document (a requirements folder or name, `tandem: requirements`
 * front matter, or a file that defines one requirement by a heading).
 */
import * as assert from 'node:assert/strict';
import { extractFacts, isRequirementsDocument } from '../../server/src/trace/extract';

function ids(relativePath: string, markdown: string): string[] {
  const facts = extractFacts(`/work/${relativePath}`, markdown, { idPattern: '[A-Z][A-Z0-9]*-\\d+', role: 'requirements', relativePath });
  return facts.requirements.map((def) => def.id);
}

const listOfKeys = '# Hashing\n\nSupported algorithms:\n\n- SHA-256 the default\n- SHA-512 a longer digest\n\n| ID | Meaning |\n|---|---|\n| RFC-1321 | MD5 |\n';

describe('requirements documents', () => {
  it('reads no requirement from list items and table rows of a README', () => {
    assert.deepEqual(ids('README.md', listOfKeys), []);
    assert.deepEqual(ids('packages/hash/README.md', listOfKeys), []);
    assert.deepEqual(ids('guide/usage.md', listOfKeys), []);
  });

  it('reads them in requirements folders and files named as requirement documents', () => {
    for (const place of ['requirements/hashing.md', 'docs/hashing.md', 'doc/hashing.md', 'spec/hashing.md', 'specs/a/hashing.md', 'reqs/x.md', 'system-requirements.md', 'REQUIREMENTS.md', 'product_spec.md', 'srs.md']) {
      assert.deepEqual(ids(place, listOfKeys), ['SHA-256', 'SHA-512', 'RFC-1321'], place);
    }
  });

  it('reads them when the front matter says tandem: requirements', () => {
    assert.deepEqual(ids('README.md', `---\ntitle: Hashing\ntandem: requirements\n---\n${listOfKeys}`), ['SHA-256', 'SHA-512', 'RFC-1321']);
    assert.deepEqual(ids('README.md', `---\ntitle: Hashing\n---\ntandem: requirements\n${listOfKeys}`), [], 'only inside the front matter');
  });

  it('reads every definition of a file that defines one by a heading', () => {
    const markdown = '# Login\n\n## AUTH-1: Log in\n\nUsers log in.\n\n- AUTH-2: Lock out after five failures\n';
    assert.deepEqual(ids('README.md', markdown), ['AUTH-1', 'AUTH-2']);
    assert.deepEqual(ids('README.md', 'AUTH-3: Log out\n=====\n\nText.\n\n- AUTH-4 More\n'), ['AUTH-3', 'AUTH-4']);
  });

  it('keeps OpenFastTrace items in any Markdown file, as OpenFastTrace reads them', () => {
    assert.deepEqual(ids('README.md', '# Notes\n\n### Log in\n`req~login~1`\n\nNeeds: impl\n\n- SHA-256 the default\n'), ['req~login~1']);
  });

  it('judges by the path inside the workspace, not the folders above it', () => {
    assert.equal(isRequirementsDocument('README.md', listOfKeys), false);
    assert.equal(isRequirementsDocument('docs/README.md', listOfKeys), true);
  });
});
