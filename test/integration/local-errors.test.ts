// What a local capture reports when it cannot run: typed errors carrying dumpcap's own reason,
// the missing tool's Debian package, the capabilities that are lacking, or that the target is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { discoverLocalTargets } from '../../src/core/local/discovery';
import { CapturePrivilegeError, DumpcapFailedError, DumpcapMissingError, TargetGoneError } from '../../src/core/local/errors';
import { startLocalCapture } from '../../src/core/local/local-capture';
import type { LocalCaptureOptions } from '../../src/core/local/local-capture';
import type { CaptureEnd } from '../../src/core/capture-source';
import type { Target } from '../../src/core/target';
import { REPO_ROOT, bedNamespace, requireBed } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const execFileAsync = promisify(execFile);

async function bedTarget(bed: BedEnv, host: string): Promise<Target> {
  const netns = bedNamespace(bed, host).netns;
  const target = (await discoverLocalTargets()).find((x) => x.netns === netns);
  assert.ok(target, `no target for bed host ${host}`);
  return target;
}

/** Runs a capture that must fail; returns its error after checking that started rejects with it. */
async function failure(target: Target, options: LocalCaptureOptions): Promise<Error> {
  const capture = startLocalCapture(target, options);
  const end: CaptureEnd = await capture.ended;
  assert.equal(end.kind, 'error', `expected an error, got ${JSON.stringify(end)}`);
  if (end.kind !== 'error') throw new Error('unreachable');
  await assert.rejects(capture.started, (e) => e === end.error);
  const pid = capture.pid;
  if (pid !== undefined) assert.equal(existsSync(`/proc/${pid}`), false, 'no dumpcap left behind');
  return end.error;
}

test("a bad filter ends with dumpcap's reason", async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const error = await failure(await bedTarget(bed, 't2'), { nifs: ['eth0', 'lo'], filter: 'udp port' });
  assert.ok(error instanceof DumpcapFailedError);
  assert.match(error.reason ?? '', /^Invalid capture filter "udp port" for interface '(eth0|lo)'\.$/);
  assert.match(error.message, /csharg-t2.*Invalid capture filter "udp port"/);
});

test('an unknown interface ends with "There is no device named"', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const error = await failure(await bedTarget(bed, 't2'), { nifs: ['eth9'] });
  assert.ok(error instanceof DumpcapFailedError);
  assert.equal(error.reason, 'There is no device named "eth9".');
});

test('a target whose process is gone, or whose namespace changed, is a target-gone error', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t1 = await bedTarget(bed, 't1');
  // A PID above the kernel's pid_max (2^22) cannot exist.
  const gone = await failure({ ...t1, pid: 4_194_999 }, { nifs: ['lo'] });
  assert.ok(gone instanceof TargetGoneError);
  assert.match(gone.message, /process 4194999 has exited/);
  // The keeper of t1 with t2's namespace inode: the namespace is not the one discovery saw.
  const t2 = bedNamespace(bed, 't2').netns;
  const moved = await failure({ ...t1, netns: t2 }, { nifs: ['lo'] });
  assert.ok(moved instanceof TargetGoneError);
  assert.match(moved.message, new RegExp(`not ${t2}`));
  // The right PID and namespace but another start time: the PID was recycled.
  const recycled = await failure({ ...t1, starttime: (t1.starttime ?? 0) + 1 }, { nifs: ['lo'] });
  assert.ok(recycled instanceof TargetGoneError);
  assert.match(recycled.message, /another process/);
  // A bind mount that no longer holds the namespace.
  const empty = await bedTarget(bed, 'empty');
  const unmounted = await failure({ ...empty, name: '/run/netns/csharg-no-such-ns' }, { nifs: ['lo'] });
  assert.ok(unmounted instanceof TargetGoneError);
});

test('a missing dumpcap names the Debian package tshark', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const error = await failure(await bedTarget(bed, 't1'), { nifs: ['lo'], dumpcap: '/nonexistent/dumpcap' });
  assert.ok(error instanceof DumpcapMissingError);
  assert.equal(error.code, 'LOCAL_TOOL_MISSING');
  assert.match(error.message, /\/nonexistent\/dumpcap.*tshark/);
});

test('without privileges a capture says which capabilities are needed (run as nobody via setpriv)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t2 = await bedTarget(bed, 't2');
  // A child Node as user nobody with no capabilities starts the same capture and prints the error.
  const script = `
    const { startLocalCapture } = require(${JSON.stringify(path.join(REPO_ROOT, 'src/core/local/local-capture.ts'))});
    startLocalCapture(${JSON.stringify(t2)}, { nifs: ['eth0'] }).ended.then((end) => {
      process.stdout.write(JSON.stringify({ kind: end.kind, name: end.error?.name, capabilities: end.error?.capabilities, message: end.error?.message }));
    });`;
  const { stdout } = await execFileAsync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, '--import', 'tsx', '-e', script],
    { cwd: REPO_ROOT, timeout: 60_000 },
  );
  const end = JSON.parse(stdout) as { kind: string; name: string; capabilities: string[]; message: string };
  assert.equal(end.kind, 'error');
  assert.equal(end.name, CapturePrivilegeError.name);
  assert.ok(end.capabilities.includes('CAP_SYS_ADMIN'), JSON.stringify(end));
  assert.match(end.message, /CAP_NET_RAW.*CAP_NET_ADMIN.*CAP_SYS_ADMIN/);
});
