// The README's code, compiled against the real API (the type-check step fails if they drift)
// and run where that needs no capture source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { Subject, firstValueFrom } from 'rxjs';
import {
  alertWhen,
  capture,
  capturePackets,
  decode,
  matchPackets,
  mergeCaptures,
  newLocalSharkTank,
  newSharkTankOnHost,
  preTrigger,
  replayPcapng,
  stopAfter,
  targets,
  toPcapng,
  windowStats,
} from '../../src/index';
import type { SharkTank, Target } from '../../src/index';

/** The README's snippets, as written there (not called: they need a live source). */
export async function readmeLibrary(): Promise<void> {
  const tank = newSharkTankOnHost('http://edge-device:5001', { bearerToken: process.env.TOKEN });
  const list = await firstValueFrom(targets(tank));
  const web = list.find((t) => t.name === 'web')!;
  const streamer = tank.capture(createWriteStream('web.pcapng'), web, { filter: 'tcp port 80' });
  console.log(await streamer.stopAfter(10_000));
  capture(tank, web, { nifs: ['eth0'] })
    .pipe(stopAfter(10_000))
    .subscribe({ next: (chunk) => process.stdout.write(chunk), error: (err: Error) => console.error(err.message) });
}

export async function readmePipelines(): Promise<void> {
  const tank = newLocalSharkTank();
  const [web] = (await tank.targets()).filter((t) => t.name.startsWith('web'));
  capturePackets(tank, web!).pipe(decode(), matchPackets({ protocol: 'tcp', port: 443 }), windowStats(1000))
    .subscribe((w) => console.log(w.start, w.packets, w.pps));
  capturePackets(tank, web!).pipe(decode(), alertWhen({ kind: 'port-scan', ports: 100, withinMs: 5000 }))
    .subscribe((a) => console.log(a.message, a.evidence.length));
  const trigger$ = new Subject<void>();
  capturePackets(tank, web!).pipe(preTrigger({ seconds: 30 }, trigger$, { postSeconds: 10 }), toPcapng());
  mergeCaptures([capturePackets(tank, web!), replayPcapng('yesterday.pcapng', { speed: 1 })]).pipe(toPcapng());
}

test('README snippets compile against the API and construct without I/O', () => {
  // Constructing clients and Observables does no I/O (cold); nothing here subscribes.
  const tank: SharkTank = newSharkTankOnHost('edge-device:5001');
  const target: Target = { name: 'web', type: 'docker' };
  const chunks = capture(tank, target).pipe(stopAfter(10));
  assert.equal(typeof chunks.subscribe, 'function');
  assert.equal(typeof readmeLibrary, 'function');
  assert.equal(typeof readmePipelines, 'function');
});
