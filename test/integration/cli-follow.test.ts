// csharg capture --follow on the local source: a process-less namespace this test makes is
// deleted and re-created under the same name mid-capture. Expected in advance: the command
// reconnects, says so on stderr, exits 0 at SIGINT (graceful), and the file holds both parts as two
// pcapng sections with the gap comment, readable by tshark.
// Nothing here needs an Edgeshark host (--local, a process-less namespace the real Packetflix
// cannot capture anyway); --follow through the real Packetflix is in cli-host-follow.test.ts.
// UDP port 43400 (inside the test's own namespace) is this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, requireBed, tsharkFields } from '../support/testbed';
import { dumpcapsWith, until } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);
const NS = 'csharg-clifollow';
const PORT = 43400;

async function createNamespace(): Promise<void> {
  await execFileAsync('ip', ['netns', 'add', NS]);
  await execFileAsync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
}

async function deleteNamespace(): Promise<void> {
  if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
}

async function sendInNamespace(count: number): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');let i=0;const next=()=>{if(i++>=${count})return s.close();s.send('x',${PORT},'127.0.0.1',next)};next()`;
  await execFileAsync('ip', ['netns', 'exec', NS, process.execPath, '-e', script], { timeout: 10_000 });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('csharg capture --follow survives its namespace being re-created and marks the gap', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  await deleteNamespace();
  await createNamespace();
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-clifollow-'));
  t.after(async () => {
    await deleteNamespace();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'follow.pcapng');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), '--local', 'capture', `/run/netns/${NS}`, '-i', 'lo', '-f', `udp port ${PORT}`, '--follow', '--stop-after', '150s', '-w', file],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.after(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });

  // Wait for the capture's own dumpcap (by its filter) rather than a fixed time: on a loaded
  // machine the command may take seconds to start, and it must see the first namespace.
  const marker = `udp port ${PORT}`;
  await until(() => dumpcapsWith(marker).length === 1, 60_000, 'the first dumpcap');
  const [first] = dumpcapsWith(marker);
  await sleep(700);
  await sendInNamespace(3);
  await sleep(500);
  await deleteNamespace();
  await createNamespace();
  // Discovery is re-checked every 5 s; the first reconnection waits 1 s: a new dumpcap comes.
  await until(() => dumpcapsWith(marker).some((pid) => pid !== first), 60_000, 'the dumpcap of the resumed capture');
  await sleep(700);
  await sendInNamespace(4);
  await sleep(1000);
  if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /resumed after a gap of \d+ ms/);
  const rows = await tsharkFields(file, ['frame.section_number', 'udp.dstport']);
  const bySection = new Map<string, number>();
  for (const [section, port] of rows) if (port === String(PORT)) bySection.set(section!, (bySection.get(section!) ?? 0) + 1);
  assert.deepEqual([...bySection.entries()].sort(), [['1', 3], ['2', 4]], `packets per section: ${JSON.stringify([...bySection])}`);
  const { stdout } = await execFileAsync('/usr/bin/capinfos', ['-k', file]);
  assert.match(stdout, /csharg: capture resumed after a gap of \d+ ms/);
});
