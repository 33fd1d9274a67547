// Container names from the Docker engine, when its API socket is reachable: Gostwire names a
// namespace by the containers in it, so the local source asks the engine which container runs as
// which process (GET /containers/json, then each container's State.Pid).

import http from 'node:http';
import { mapBounded } from './bounded';
import { asError } from '../errors';

export interface EngineContainer {
  /** the container name without Docker's leading `/` */
  name: string;
  /** the container engine id: `docker` */
  type: string;
  /** PID of the container's init process, as this machine's /proc sees it */
  pid: number;
}

const MAX_BODY = 8 * 1024 * 1024;

function getJson(socketPath: string, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path, headers: { host: 'docker' }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy(new Error(`answer to ${path} larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`${path}: HTTP ${String(response.statusCode)}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(asError(error));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${path}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The running containers the Docker engine at `socketPath` knows, with their PIDs. */
export async function dockerContainers(socketPath: string, timeoutMs = 3000): Promise<EngineContainer[]> {
  const list = await getJson(socketPath, '/containers/json', timeoutMs);
  if (!Array.isArray(list)) throw new Error('/containers/json: expected a JSON array');
  const summaries = (list as unknown[]).flatMap((item) => {
    const summary = record(item);
    const id = summary?.Id;
    const names = summary?.Names;
    if (typeof id !== 'string' || !/^[0-9a-f]+$/i.test(id)) return [];
    const first = Array.isArray(names) && typeof names[0] === 'string' ? names[0] : id.slice(0, 12);
    return [{ id, name: first.replace(/^\//, '') }];
  });
  const inspected = await mapBounded(summaries, 4, async ({ id, name }) => {
    try {
      const pid = record(record(await getJson(socketPath, `/containers/${id}/json`, timeoutMs))?.State)?.Pid;
      return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? { name, type: 'docker', pid } : undefined;
    } catch {
      // The container stopped between the list and its inspection.
      return undefined;
    }
  });
  return inspected.filter((c): c is EngineContainer => c !== undefined);
}
