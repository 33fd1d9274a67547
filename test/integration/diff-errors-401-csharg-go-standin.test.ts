// A 401 for both clients, Siemens' csharg v1.0.2 (csharg-go) and ours: the real Packetflix v0.9.7 +
// Gostwire v2.4.1 have no authentication, and the bed has no authenticating proxy yet (issue 14),
// so a small gate stands in for one: it answers 401 to a request without the right bearer token
// and relays every other byte to the real service. csharg-go swallows the 401 (an empty list, exit
// 0; "not found" for a capture: its defect, csharg-parity.md); ours names it and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { runCshargGo } from '../support/csharg-go';
import { keeperTarget } from '../support/real-packetflix';
import { bedNamespace, cshargGoPath, requireServices, serviceUrl } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';

/** The `Error: …` lines of a stderr (csharg-go's logrus lines start with a time). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('Error: '));
}

/** A gate in front of the real Packetflix: 401 unless `Authorization: Bearer TOKEN`; otherwise a byte relay. */
async function startAuthGate(upstream: string, token: string): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const { hostname, port } = new URL(upstream);
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      seen.push(lines[0] ?? '');
      const auth = lines.find((l) => /^authorization:/i.test(l))?.replace(/^authorization:\s*/i, '');
      if (auth !== `Bearer ${token}`) {
        const body = '<html><body><h1>401 Unauthorized</h1></body></html>\n';
        client.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nWWW-Authenticate: Bearer\r\nConnection: close\r\n\r\n${body}`);
        return;
      }
      const up = net.connect({ host: hostname, port: Number(port) });
      sockets.add(up);
      up.write(head);
      client.pipe(up).pipe(client);
      up.on('error', () => client.destroy());
      up.on('close', () => client.destroy());
    };
    client.on('data', onData);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: gatePort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${gatePort}`,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('stand-in 401 gate in front of the real Packetflix: with the right --token both list the same targets; with a wrong one csharg-go lists nothing and exits 0 (its defect), ours exits 1 naming the 401', { timeout: 120_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const token = `token-${process.pid}`;
  const gate = await startAuthGate(serviceUrl(bed, 'svc1'), token);
  t.after(() => gate.close());
  const names = (stdout: Buffer): string[] => stdout.toString().split('\n').filter((l) => l.length > 0).sort();
  const [goOk, oursOk] = await Promise.all([
    runCshargGo(cshargGoPath(bed), ['--host', gate.url, '--token', token, 'list', '-o', 'name']),
    csharg(['--host', gate.url, `--token=${token}`, 'list', '-o', 'name']),
  ]);
  assert.equal(goOk.code, 0, goOk.stderr);
  assert.equal(oursOk.code, 0, oursOk.stderr);
  // Other tests start and end processes meanwhile: compare the bed's own targets, which stay.
  const direct = await newSharkTankOnHost(serviceUrl(bed, 'svc1')).targets();
  const bedTargets = [
    ...['t1', 't2', 't3', 't4', 'hub'].map((host) => keeperTarget(direct, bed, host).name),
    ...direct.filter((x) => x.netns === bedNamespace(bed, 'empty').netns).map((x) => x.name),
  ];
  assert.equal(bedTargets.length, 6);
  for (const name of bedTargets) {
    assert.ok(names(goOk.stdout).includes(name), `csharg-go lists ${name} through the gate`);
    assert.ok(names(oursOk.stdout).includes(name), `ours lists ${name} through the gate`);
  }

  const [goBad, oursBad] = await Promise.all([
    runCshargGo(cshargGoPath(bed), ['--host', gate.url, '--token', 'wrong', 'list']),
    csharg(['--host', gate.url, '--token', 'wrong', 'list']),
  ]);
  assert.equal(goBad.code, 0, 'csharg-go: exit 0');
  assert.match(goBad.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*\n$/, 'csharg-go: an empty table');
  assert.equal(oursBad.code, 1);
  assert.equal(oursBad.stdout.length, 0);
  const line = errorLines(oursBad.stderr)[0] ?? '';
  assert.ok(line.startsWith(`Error: discovery at ${gate.url}/discover/mobyshark failed: HTTP 401`), line);
  assert.match(line, /401 Unauthorized/);

  const name = bedTargets[1]!;
  const [goCap, oursCap] = await Promise.all([
    runCshargGo(cshargGoPath(bed), ['--host', gate.url, '--token', 'wrong', 'capture', name]),
    csharg(['--host', gate.url, '--token', 'wrong', 'capture', name]),
  ]);
  assert.equal(goCap.code, 1);
  assert.deepEqual(errorLines(goCap.stderr), [`Error: capture target "${name}" not found`], 'csharg-go blames the target, not the 401');
  assert.equal(oursCap.code, 1);
  assert.deepEqual(errorLines(oursCap.stderr), [line]);
});
