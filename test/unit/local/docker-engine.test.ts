// The Docker engine client against a fake engine API on a unix socket (no Docker daemon can run on these machines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerContainers } from '../../../src/core/local/docker-engine';

async function standInEngine(routes: Record<string, unknown>): Promise<{ socket: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-docker-'));
  const socket = path.join(dir, 'docker.sock');
  const server = http.createServer((req, res) => {
    const body = routes[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such container"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}

test('containers are named without the leading slash, with the PID of their inspection', async (t) => {
  const engine = await standInEngine({
    '/containers/json': [
      { Id: 'aaaa1111', Names: ['/web'] },
      { Id: 'bbbb2222', Names: ['/db', '/alias'] },
      { Id: 'cccc3333', Names: ['/gone'] },
      { Id: 'not-hex!', Names: ['/bogus'] },
    ],
    '/containers/aaaa1111/json': { State: { Pid: 4146 } },
    '/containers/bbbb2222/json': { State: { Pid: 4160 } },
  });
  t.after(() => engine.close());
  const containers = await dockerContainers(engine.socket);
  assert.deepEqual(
    containers.sort((a, b) => a.pid - b.pid),
    [
      { name: 'web', type: 'docker', pid: 4146 },
      { name: 'db', type: 'docker', pid: 4160 },
    ],
  );
});

test('an engine that answers with an error status is an error naming the route', async (t) => {
  const engine = await standInEngine({});
  t.after(() => engine.close());
  await assert.rejects(dockerContainers(engine.socket), /\/containers\/json: HTTP 404/);
});
