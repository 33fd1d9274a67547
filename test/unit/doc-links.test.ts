// Every relative link of README.md and docs/*.md resolves inside the repository: to a file or
// folder that is there (not outside the repository, not a URL made of a path), and a #fragment to
// a heading of the file it points to (GitHub's anchors: lower case, punctuation dropped, spaces to
// hyphens, repeats numbered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code, where links and headings live. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
}

/** The link targets of a Markdown text: inline links and images, reference definitions, HTML src/href. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1]!);
  const html = [...text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  return [...inline, ...references, ...html];
}

/** GitHub's anchors for the headings of a Markdown text. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]!
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

test('the documents have relative links to check', () => {
  const relative = documents.flatMap((doc) => linkTargets(readFileSync(path.join(ROOT, doc), 'utf8')).filter((t) => !isExternal(t)));
  assert.ok(documents.includes('docs/cli.md') && documents.includes('docs/architecture.md'), documents.join(', '));
  assert.ok(relative.length >= 8, `only ${relative.length} relative links: ${relative.join(', ')}`);
});

for (const doc of documents) {
  test(`every relative link in ${doc} resolves to a file in the repository`, () => {
    const file = path.join(ROOT, doc);
    const broken: string[] = [];
    for (const target of linkTargets(readFileSync(file, 'utf8'))) {
      if (isExternal(target)) continue;
      const [rawPath, fragment] = target.split('#', 2) as [string, string | undefined];
      const linkPath = decodeURIComponent(rawPath);
      if (linkPath.startsWith('/')) {
        broken.push(`${target}: an absolute path (GitHub resolves it against its own site, not the repository)`);
        continue;
      }
      const resolved = linkPath === '' ? file : path.resolve(path.dirname(file), linkPath);
      if (resolved !== ROOT && !resolved.startsWith(ROOT + path.sep)) {
        broken.push(`${target}: outside the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (fragment !== undefined && fragment !== '' && statSync(resolved).isFile() && resolved.endsWith('.md')) {
        if (!anchors(readFileSync(resolved, 'utf8')).has(fragment.toLowerCase())) broken.push(`${target}: no heading with the anchor #${fragment}`);
      }
    }
    assert.deepEqual(broken, []);
  });
}

test('the link checker itself: GitHub anchors, code ignored, outside paths found', () => {
  const sample = '# The `csharg` command\n## Node-RED\n## Node-RED\n```sh\n# not a heading [x](nowhere.md)\n```\nSee [a](../outside.md), `[b](code.md)`, <img src="docs/x.png">\n[ref]: docs/cli.md\n';
  assert.deepEqual([...anchors(sample)], ['the-csharg-command', 'node-red', 'node-red-1']);
  assert.deepEqual(linkTargets(sample), ['../outside.md', 'docs/cli.md', 'docs/x.png']);
});
