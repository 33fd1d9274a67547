import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from '../../src/index';

test('the main export names the library API the issues promise', () => {
  const names = [
    'newSharkTankOnHost',
    'newLocalSharkTank',
    'TargetCache',
    'targetToJSON',
    'completeTarget',
    'captureServiceQueryParams',
    'captureServiceHeaders',
    'shbEditStream',
    'startCaptureStream',
    'targets',
    'capture',
    'stopAfter',
    'pcapngBlocks',
    'packets',
    'toPcapng',
    'captureBlocks',
    'capturePackets',
    'decode',
    'ofProtocol',
    'matchPackets',
    'takePackets',
    'stopAfterBytes',
    'stopAfterPackets',
    'stopWhen',
    'takePacketBytes',
    'writeChunks',
    'CaptureRun',
    'snaplen',
    'flows',
    'windowStats',
    'topTalkers',
    'alertWhen',
    'preTrigger',
    'newSharkTankFleet',
    'mergeCaptures',
    'replayPcapng',
    'bounded',
    'capturePull',
    'parsePacketflixLink',
  ] as const;
  for (const name of names) assert.equal(typeof lib[name], 'function', `${name} is not exported as a function`);
  assert.deepEqual(lib.AllNifs, []);
  assert.equal(lib.DEFAULT_SERVICE_TIMEOUT_MS, 30_000);
  assert.match(lib.SEMVER, /^\d+\.\d+\.\d+/);
});
