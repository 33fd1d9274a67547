import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiscovery, parseDiscoveryText, parseTarget, targetToJSON, isBareTarget, AllNifs } from '../../../src/core/target';
import type { Target } from '../../../src/core/target';
import { DiscoveryFormatError } from '../../../src/core/errors';

// The key order csharg writes (edgeshark-wire.md, "Discovery JSON").
const CSHARG_KEY_ORDER = ['name', 'type', 'netns', 'network-interfaces', 'prefix', 'starttime', 'pid', 'node-name', 'cluster', 'capture-service', 'captureport'];

const gostwireTarget = {
  name: 'web',
  type: 'docker',
  netns: 4026532513,
  'network-interfaces': ['eth0', 'lo'],
  prefix: '',
  pid: 1234,
  starttime: 98765,
};

function formatError(key: string, target: string) {
  return (error: unknown) => {
    assert.ok(error instanceof DiscoveryFormatError, String(error));
    assert.equal(error.code, 'DISCOVERY_FORMAT');
    assert.equal(error.key, key);
    assert.equal(error.target, target);
    if (key !== '') assert.ok(error.message.includes(`"${key}"`), error.message);
    if (target !== '') assert.ok(error.message.includes(target), error.message);
    return true;
  };
}

describe('parseDiscovery', () => {
  it('reads the containers of a Gostwire answer and maps the JSON keys', () => {
    const targets = parseDiscovery({
      metadata: { hostname: 'h' },
      containers: [
        gostwireTarget,
        { ...gostwireTarget, name: 'default/p', type: 'pod', 'node-name': 'n1', cluster: { context: 'kind', uid: 'u1' }, 'capture-service': 'cs-1', captureport: 5001 },
      ],
    });
    assert.equal(targets.length, 2);
    const [docker, pod] = targets;
    assert.deepEqual(docker, {
      name: 'web', type: 'docker', netns: 4026532513, networkInterfaces: ['eth0', 'lo'], prefix: '', pid: 1234, starttime: 98765,
    });
    assert.equal(pod?.nodeName, 'n1');
    assert.deepEqual(pod?.cluster, { context: 'kind', uid: 'u1' });
    assert.equal(pod?.captureService, 'cs-1');
    assert.equal(pod?.capturePort, 5001);
  });

  it('keeps unknown keys aside in extra, never fatal', () => {
    const [target] = parseDiscovery({ containers: [{ ...gostwireTarget, labels: { a: 1 }, 'future-key': [1, 2] }], other: true });
    assert.ok(target);
    assert.deepEqual(target.extra, { labels: { a: 1 }, 'future-key': [1, 2] });
    assert.equal(target.name, 'web');
    assert.ok(!targetToJSON(target).includes('future-key'));
  });

  it('takes null as "not set" (as Go does) and a null container list as empty', () => {
    const [target] = parseDiscovery({ containers: [{ ...gostwireTarget, 'network-interfaces': null, prefix: null }] });
    assert.equal(target?.networkInterfaces, undefined);
    assert.equal(target?.prefix, undefined);
    assert.deepEqual(parseDiscovery({ containers: null }), []);
  });

  it('names the key and the target (by name) when a known key has the wrong type', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ netns: '4026532513' }, 'netns'],
      [{ netns: 1.5 }, 'netns'],
      [{ netns: -1 }, 'netns'],
      [{ pid: true }, 'pid'],
      [{ starttime: {} }, 'starttime'],
      [{ 'network-interfaces': 'eth0' }, 'network-interfaces'],
      [{ 'network-interfaces': ['eth0', 7] }, 'network-interfaces'],
      [{ prefix: 3 }, 'prefix'],
      [{ type: 9 }, 'type'],
      [{ 'node-name': [] }, 'node-name'],
      [{ cluster: 'kind' }, 'cluster'],
      [{ cluster: { context: 1 } }, 'cluster.context'],
      [{ cluster: { context: 'c', uid: false } }, 'cluster.uid'],
      [{ 'capture-service': 1 }, 'capture-service'],
      [{ captureport: 70000 }, 'captureport'],
    ];
    for (const [patch, key] of cases) {
      assert.throws(() => parseDiscovery({ containers: [gostwireTarget, { ...gostwireTarget, name: 'broken', ...patch }] }), formatError(key, '"broken"'), key);
    }
  });

  it('names the target by its index when it has no usable name', () => {
    assert.throws(() => parseDiscovery({ containers: [gostwireTarget, { ...gostwireTarget, name: 5 }] }), formatError('name', '#1'));
    assert.throws(() => parseDiscovery({ containers: [gostwireTarget, gostwireTarget, { type: 'proc' }] }), formatError('name', '#2'));
    assert.throws(() => parseDiscovery({ containers: ['web'] }), formatError('', '#0'));
  });

  it('refuses answers without a container list', () => {
    assert.throws(() => parseDiscovery([]), formatError('', ''));
    assert.throws(() => parseDiscovery({ metadata: {} }), formatError('containers', ''));
    assert.throws(() => parseDiscovery({ containers: {} }), formatError('containers', ''));
  });

  it('refuses text that is not JSON, quoting its start', () => {
    assert.throws(() => parseDiscoveryText('<html>502 Bad Gateway</html>'), (e: unknown) => e instanceof DiscoveryFormatError && e.message.includes('502 Bad Gateway'));
    assert.equal(parseDiscoveryText(JSON.stringify({ containers: [gostwireTarget] }))[0]?.name, 'web');
  });
});

describe('targetToJSON', () => {
  // properties deliberately in reverse order
  const full: Target = {
    capturePort: 5001,
    captureService: 'cs',
    cluster: { context: 'ctx', uid: 'u' },
    nodeName: 'n',
    pid: 7,
    starttime: 8,
    prefix: 'p',
    networkInterfaces: ['eth0'],
    netns: 9,
    type: 'docker',
    name: 'c',
  };

  it("writes every key in csharg's order, whatever the property order", () => {
    const json = targetToJSON(full);
    assert.deepEqual(Object.keys(JSON.parse(json) as object), CSHARG_KEY_ORDER);
    assert.doesNotMatch(json, /\s/, 'compact');
    assert.deepEqual(JSON.parse(json), {
      name: 'c', type: 'docker', netns: 9, 'network-interfaces': ['eth0'], prefix: 'p', starttime: 8, pid: 7, 'node-name': 'n',
      cluster: { context: 'ctx', uid: 'u' }, 'capture-service': 'cs', captureport: 5001,
    });
  });

  it('writes the first five keys always (netns 0, interfaces null, prefix "") and the rest only when set', () => {
    const bare = JSON.parse(targetToJSON({ name: 'x', type: '' })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bare), CSHARG_KEY_ORDER.slice(0, 5));
    assert.deepEqual(bare, { name: 'x', type: '', netns: 0, 'network-interfaces': null, prefix: '' });
    const zeros = JSON.parse(targetToJSON({ name: 'x', type: 'bindmount', pid: 0, starttime: 0, nodeName: '', captureService: '', capturePort: 0, networkInterfaces: AllNifs })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(zeros), CSHARG_KEY_ORDER.slice(0, 5));
    assert.deepEqual(zeros['network-interfaces'], []);
  });

  it('writes a cluster without uid as its context only', () => {
    assert.match(targetToJSON({ name: 'x', type: 'pod', cluster: { context: 'k' } }), /"cluster":\{"context":"k"\}/);
  });

  it('round-trips through parseTarget', () => {
    assert.equal(targetToJSON(parseTarget(JSON.parse(targetToJSON(full)))), targetToJSON(full));
  });
});

describe('bare targets and AllNifs', () => {
  it('a target without netns (or netns 0) is bare', () => {
    assert.equal(isBareTarget({ name: 'x', type: 'docker' }), true);
    assert.equal(isBareTarget({ name: 'x', type: 'docker', netns: 0 }), true);
    assert.equal(isBareTarget({ name: 'x', type: 'docker', netns: 4026531840 }), false);
  });

  it('AllNifs is a frozen empty list', () => {
    assert.equal(AllNifs.length, 0);
    assert.ok(Object.isFrozen(AllNifs));
  });
});
