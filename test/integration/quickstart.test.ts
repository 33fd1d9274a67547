// The README's main job, `npm run quickstart`, run twice as a user would (CSHARG_QUICKSTART_CHECK=1
// stops it once the editor answers): the first run deploys the example flow into a fresh Node-RED
// user directory; after the user changes the flow, the second run keeps it instead of overwriting it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, requireBed } from '../support/testbed';

const execFileAsync = promisify(execFile);

async function quickstart(dir: string, extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await execFileAsync('bash', [path.join(REPO_ROOT, 'scripts', 'quickstart.sh')], {
    cwd: REPO_ROOT,
    env: { ...process.env, CSHARG_QUICKSTART_CHECK: '1', CSHARG_QUICKSTART_DIR: dir, CSHARG_QUICKSTART_PORT: '18871', ...extra },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

test('quick start: deploys the example into a new user directory, and a second run keeps the flow the user changed', async (t) => {
  if (!(await requireBed(t))) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-quickstart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const example = readFileSync(path.join(REPO_ROOT, 'examples', 'flows', 'packets-per-second.json'), 'utf8');

  const first = await quickstart(dir);
  assert.match(first, /the example flow "packets-per-second" deployed: http:\/\/127\.0\.0\.1:18871\//);
  assert.match(first, /quickstart: check passed/);
  assert.equal(readFileSync(path.join(dir, 'flows.json'), 'utf8'), example);

  // The user adds a node and deploys: flows.json is no longer a shipped example.
  const changed = JSON.stringify([...JSON.parse(example) as object[], { id: 'users-own-note', type: 'comment', z: (JSON.parse(example) as { z?: string }[]).find((n) => n.z)?.z, name: 'mine' }]);
  writeFileSync(path.join(dir, 'flows.json'), changed);
  const second = await quickstart(dir);
  assert.match(second, /your own flows \(kept from the last run/);
  assert.equal(readFileSync(path.join(dir, 'flows.json'), 'utf8'), changed);

  // Asked for explicitly, the example comes back and the user's flows are kept in a dated copy.
  await quickstart(dir, { CSHARG_QUICKSTART_FRESH: '1', CSHARG_QUICKSTART_FLOW: 'port-scan-alert' });
  assert.equal(readFileSync(path.join(dir, 'flows.json'), 'utf8'), readFileSync(path.join(REPO_ROOT, 'examples', 'flows', 'port-scan-alert.json'), 'utf8'));
  const copies = readdirSync(dir).filter((f) => /^flows\.json\.\d{8}-\d{6}$/.test(f));
  assert.equal(copies.length, 1);
  assert.equal(readFileSync(path.join(dir, copies[0]!), 'utf8'), changed);
});
