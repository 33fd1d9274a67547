// Discovery of this machine's namespaces against the test bed: every bed namespace is found by its
// inode, with the type and name Gostwire would give it and the interfaces that are up inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { discoverLocalTargets } from '../../src/core/local/discovery';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import { requireBed } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

/** The PIDs of the real services running in a bed service namespace (none when they do not run). */
function servicePids(bed: BedEnv, host: string): number[] {
  const h = bed.services.hosts.find((x) => x.name === host);
  return [h?.gostwirePid, h?.packetflixPid].filter((p): p is number => typeof p === 'number');
}

function commOf(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd();
}

test('every bed namespace is a target with its inode, type, name, pid, start time and up interfaces', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const targets = await discoverLocalTargets();
  for (const ns of bed.namespaces) {
    const found = targets.filter((target) => target.netns === ns.netns);
    assert.equal(found.length, 1, `${ns.name} (netns ${ns.netns}) should be exactly one target, got ${JSON.stringify(found)}`);
    const target = found[0]!;
    const upNifs = ns.interfaces.filter((i) => i.up).map((i) => i.name);
    assert.deepEqual(new Set(target.networkInterfaces), new Set(upNifs), `${ns.name} interfaces`);
    assert.equal(target.prefix, '');
    if (ns.keeperPid !== null) {
      assert.equal(target.type, 'proc', ns.name);
      // The keeper runs sleep through a symlink named after the namespace: that is its comm.
      assert.equal(target.name, `${commOf(ns.keeperPid)}(${ns.keeperPid})`);
      assert.equal(target.name, `${ns.name}(${ns.keeperPid})`);
      assert.equal(target.pid, ns.keeperPid);
      const stat = readFileSync(`/proc/${ns.keeperPid}/stat`, 'utf8');
      assert.equal(target.starttime, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]));
    } else if (ns.role === 'service' && servicePids(bed, ns.host).length > 0) {
      // With the real Gostwire and Packetflix running in it, a service namespace is process-owned:
      // named after its leading (oldest) process, one of the two services.
      assert.equal(target.type, 'proc', ns.name);
      assert.ok(servicePids(bed, ns.host).includes(target.pid ?? -1), `${ns.name} is led by ${target.name}`);
      assert.equal(target.name, `${commOf(target.pid!)}(${target.pid})`);
    } else {
      assert.equal(target.type, 'bindmount', ns.name);
      assert.equal(target.name, `/run/netns/${ns.name}`);
      assert.equal(target.pid, 0);
      assert.equal(target.starttime, 0);
    }
  }
});

test("this process's own namespace is listed too, as a process target", async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const own = Number(/\d+/.exec(readlinkSync('/proc/self/ns/net'))?.[0]);
  const targets = await discoverLocalTargets();
  const host = targets.filter((target) => target.netns === own);
  assert.equal(host.length, 1);
  assert.equal(host[0]!.type, 'proc');
  assert.match(host[0]!.name, /^.*\(\d+\)$/);
  assert.ok(host[0]!.networkInterfaces?.includes('lo'));
  // Every namespace appears once: no inode is listed twice.
  const inodes = targets.map((target) => target.netns);
  assert.equal(new Set(inodes).size, inodes.length);
});

test('containers the Docker engine reports are named by it (a fake Docker engine API naming the t1 keeper: no Docker daemon can run on these machines)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t1 = bed.namespaces.find((n) => n.host === 't1')!;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-docker-'));
  const socket = path.join(dir, 'docker.sock');
  const server = http.createServer((req, res) => {
    if (req.url === '/containers/json') res.end(JSON.stringify([{ Id: 'abc123', Names: ['/web-frontend'] }]));
    else if (req.url === '/containers/abc123/json') res.end(JSON.stringify({ State: { Pid: t1.keeperPid } }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const targets = await discoverLocalTargets({ dockerSocket: socket });
  const inT1 = targets.filter((target) => target.netns === t1.netns);
  assert.deepEqual(inT1.map((target) => [target.name, target.type, target.pid]), [['web-frontend', 'docker', t1.keeperPid]]);
  assert.deepEqual(new Set(inT1[0]!.networkInterfaces), new Set(['lo', 'eth0']));
});

test('the local SharkTank caches discovery, fills in this host name, and forgets on clear()', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const first = await tank.targets();
  assert.ok(first.length >= bed.namespaces.length);
  assert.ok(first.every((target) => target.nodeName === hostname()));
  const again = await tank.targets();
  assert.deepEqual(again, first);
  assert.equal(again[0], first[0], 'a cached answer hands out the same frozen targets');
  tank.clear();
  const fresh = await tank.targets();
  assert.notEqual(fresh[0], first[0], 'after clear() discovery runs again');
  // Other namespaces may come and go meanwhile (tests make their own); the bed's are in both answers.
  for (const ns of bed.namespaces) {
    assert.ok(first.some((x) => x.netns === ns.netns) && fresh.some((x) => x.netns === ns.netns), `${ns.name} in both answers`);
  }
});
