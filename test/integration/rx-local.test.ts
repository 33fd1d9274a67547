// The README's RxJS example, for real: this machine's local source, a cold capture Observable,
// stopAfter, chunks into a file that tshark reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, tap } from 'rxjs';
import { capture, newLocalSharkTank, stopAfter, targets } from '../../src/index';
import { bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

test('capture(localTank, target).pipe(stopAfter(3000)) delivers the datagrams sent meanwhile', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-rx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'rx.pcapng');

  const tank = newLocalSharkTank();
  const list = await firstValueFrom(targets(tank));
  const t1 = bedNamespace(bed, 't1');
  const target = list.find((x) => x.netns === t1.netns);
  assert.ok(target, 'discovery lists t1');

  const out = createWriteStream(file);
  let chunks = 0;
  const done = lastValueFrom(
    capture(tank, target, { nifs: ['eth0'], filter: 'udp port 9996' }).pipe(
      stopAfter(3000),
      tap((chunk) => {
        chunks++;
        out.write(chunk);
      }),
    ),
    { defaultValue: undefined },
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await sendUdp({ from: 't1', to: 't2', count: 50, rate: 500, size: 16, port: 9996 });
  await done;
  await new Promise<void>((resolve) => out.end(resolve));

  assert.ok(chunks > 0);
  const rows = await tsharkFields(file, ['udp.dstport', 'frame.comment']);
  assert.equal(rows.filter((r) => r[0] === '9996').length, 50);
  // The SHB carries the capture target block with this machine as node-name.
  const { stdout } = await promisify(execFile)('/usr/bin/capinfos', ['-k', file]);
  assert.match(stdout, /container-name: .*csharg-t1/);
  assert.match(stdout, /node-name: /);
});
