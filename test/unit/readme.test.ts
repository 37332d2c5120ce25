import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks, headingAnchors, relativeLinks, section, shellCommands } from '../support/markdown.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = join(ROOT, 'README.md');
/** A newcomer reads the README to the end; everything else lives in docs/ and bench/README.md. */
const README_MAX_BYTES = 12_000;

function docFiles(): string[] {
  const docs = join(ROOT, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f))
    : [];
  return [README, join(ROOT, 'bench/README.md'), ...inDocs];
}

describe('README and docs', () => {
  it(`keep the README under ${README_MAX_BYTES} bytes`, () => {
    const size = statSync(README).size;
    assert.ok(size < README_MAX_BYTES, `README.md is ${size} bytes; move detail to docs/`);
  });

  it('start the quick start with exactly two commands: serve, and run the whole suite', () => {
    const blocks = codeBlocks(section(readFileSync(README, 'utf8'), 'Quick start'));
    assert.ok(blocks.length > 0, 'the quick start has a code block');
    assert.deepEqual(shellCommands(blocks[0]!), ['npm ci && npm start', 'npm test']);
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    assert.match(scripts.start!, /node dist\/server\/main\.js/, 'npm start runs the server');
    assert.match(scripts.test!, /\bmocha\b/, 'npm test runs the mocha suite');
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of docFiles()) {
      const from = relative(ROOT, file);
      for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? join(dirname(file), decodeURIComponent(path)) : file;
        const name = relative(ROOT, target);
        if (!existsSync(target)) {
          broken.push(`${from}: ${link} (no ${name})`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !headingAnchors(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${from}: ${link} (no heading #${anchor} in ${name})`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('link every document in docs/ from the README', () => {
    const linked = new Set(relativeLinks(readFileSync(README, 'utf8')).map((l) => l.split('#')[0]));
    const unlinked = docFiles()
      .filter((f) => f !== README)
      .map((f) => relative(ROOT, f))
      .filter((name) => !linked.has(name));
    assert.deepEqual(unlinked, []);
  });
});
