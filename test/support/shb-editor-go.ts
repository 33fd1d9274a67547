// Test support: Siemens' own SHB stream editor (github.com/siemens/csharg/pcapng, csharg v1.0.2)
// through the small Go program in test/go/shb-editor, so tests can compare our editor with it
// byte for byte. The program is built once per test process into a temporary directory (Go's
// build cache makes later builds fast); Siemens' modules come from ../shared/edgeshark/modules
// beside the repository when it is there (the file-based module proxy of this project's
// machines), everything else from the module cache or the usual Go module proxy.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const run = promisify(execFile);

const REPO = path.resolve(__dirname, '..', '..');
export const HARNESS_DIR = path.join(REPO, 'test', 'go', 'shb-editor');
const LOCAL_MODULES = path.join(REPO, '..', 'shared', 'edgeshark', 'modules');

/** One editor run: the target as csharg's api.Target JSON, the capture options, the input bytes. */
export interface CshargEditorCase {
  readonly target: {
    readonly name?: string;
    readonly type?: string;
    readonly 'node-name'?: string;
    readonly cluster?: { readonly context?: string; readonly uid?: string };
  };
  readonly filter?: string;
  readonly noProm?: boolean;
  readonly input: Buffer;
}

/** The `go` command: on PATH, or where the Go tarball installs it. */
export function findGo(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    if (dir !== '' && existsSync(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return undefined;
}

/**
 * Skips the test outside CI when Go is missing; in CI (CI=true) a missing Go fails it, so CI
 * never passes without the comparison. Returns the go command.
 */
export function requireGo(t: TestContext): string | undefined {
  const go = findGo();
  if (go !== undefined) return go;
  const why = 'Go (1.21 or later) is needed to build Siemens\' csharg SHB editor (test/go/shb-editor)';
  if (process.env.CI === 'true') throw new Error(`${why}; not found on PATH or in /usr/local/go/bin`);
  t.skip(why);
  return undefined;
}

async function goEnv(go: string, name: string): Promise<string> {
  const { stdout } = await run(go, ['env', name]);
  return stdout.trim();
}

export interface CshargEditor {
  /** Runs every case through csharg's editor (whole input in one write); the outputs in order. */
  edit(cases: readonly CshargEditorCase[]): Promise<Buffer[]>;
  close(): Promise<void>;
}

/** Builds the harness (about a second with a warm Go cache; the first build may fetch modules). */
export async function buildCshargEditor(go: string): Promise<CshargEditor> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csharg-shb-editor-go-'));
  const binary = path.join(dir, 'shb-editor');
  const upstream = await goEnv(go, 'GOPROXY');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(go)}${path.delimiter}${process.env.PATH ?? ''}`,
    GOPROXY: existsSync(LOCAL_MODULES) ? `file://${LOCAL_MODULES},${upstream}` : upstream,
    // go.sum pins these modules' hashes; the checksum database cannot vouch for the local copies.
    GONOSUMDB: 'github.com/siemens,github.com/thediveo',
    GOFLAGS: '-mod=readonly -buildvcs=false',
  };
  try {
    await run(go, ['build', '-o', binary, '.'], { cwd: HARNESS_DIR, env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const e = error as { stderr?: string; message: string };
    throw new Error(`building test/go/shb-editor failed: ${e.stderr || e.message}`);
  }
  return {
    async edit(cases) {
      const request = JSON.stringify({
        cases: cases.map((c) => ({ target: c.target, filter: c.filter ?? '', noProm: c.noProm ?? false, input: c.input.toString('hex') })),
      });
      const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      const exit = new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      child.stdin.end(request);
      const code = await exit;
      if (code !== 0) throw new Error(`csharg editor harness exited ${code}: ${Buffer.concat(stderr).toString()}`);
      const { outputs } = JSON.parse(Buffer.concat(stdout).toString()) as { outputs: string[] };
      if (outputs.length !== cases.length) throw new Error(`csharg editor harness answered ${outputs.length} of ${cases.length} cases`);
      return outputs.map((hex) => Buffer.from(hex, 'hex'));
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
