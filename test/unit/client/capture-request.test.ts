import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import {
  captureServiceQueryParams, captureServiceHeaders, captureInterfaces, completeTarget, parsePodName, MAX_REQUEST_FIELD_LENGTH,
} from '../../../src/core/host/capture-request';
import { targetToJSON, AllNifs } from '../../../src/core/target';
import type { Target } from '../../../src/core/target';
import { TargetCache } from '../../../src/core/target-cache';
import { CaptureRequestError, PodNameError, TargetNotFoundError } from '../../../src/core/errors';

const web: Target = { name: 'web', type: 'docker', netns: 4026532513, networkInterfaces: ['eth0', 'lo'], prefix: '', pid: 12, starttime: 34, nodeName: 'h' };

function assertValidHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    assert.match(value, /^[\x20-\x7e]*$/, `${name} is printable ASCII`);
  }
}

describe('captureServiceQueryParams', () => {
  it('sorts the keys and leaves out what is unset', () => {
    const all = captureServiceQueryParams(web, { nifs: ['eth0'], filter: 'tcp port 80', avoidPromiscuousMode: true });
    assert.deepEqual([...all.keys()], ['chaste', 'container', 'filter', 'nif']);
    assert.equal(all.get('chaste'), '');
    assert.equal(all.get('container'), targetToJSON(web));
    assert.equal(all.get('filter'), 'tcp port 80');
    assert.equal(all.get('nif'), 'eth0');
    const minimal = captureServiceQueryParams({ name: 'x', type: 'proc' }, { filter: '', avoidPromiscuousMode: false });
    assert.deepEqual([...minimal.keys()], ['container']);
  });

  it('form-encodes like URLSearchParams', () => {
    const query = captureServiceQueryParams(web, { filter: 'tcp and port 80' });
    assert.equal(query.toString(), new URLSearchParams([['container', targetToJSON(web)], ['filter', 'tcp and port 80'], ['nif', 'eth0/lo']]).toString());
    assert.match(query.toString(), /filter=tcp\+and\+port\+80/);
  });

  it("takes the options' interfaces, else the target's, else leaves nif out (never `all`)", () => {
    assert.equal(captureServiceQueryParams(web, { nifs: ['lo', 'eth0'] }).get('nif'), 'lo/eth0');
    assert.equal(captureServiceQueryParams(web, { nifs: AllNifs }).get('nif'), 'eth0/lo');
    assert.equal(captureServiceQueryParams(web).get('nif'), 'eth0/lo');
    const noNifs: Target = { name: 'x', type: 'proc', netns: 1, networkInterfaces: [] };
    assert.equal(captureServiceQueryParams(noNifs).has('nif'), false);
    assert.equal(captureServiceHeaders(noNifs)['Clustershark-Nif'], undefined);
    assert.equal(captureInterfaces(noNifs, { nifs: [] }), undefined);
  });

  it('sends non-ASCII names as \\u escapes in the query too, the same JSON as the header', () => {
    const target: Target = { name: 'café-容器-😀', type: 'docker', netns: 1 };
    const container = captureServiceQueryParams(target).get('container') ?? '';
    assert.match(container, /^[\x20-\x7e]+$/);
    assert.equal((JSON.parse(container) as { name: string }).name, target.name);
    assert.equal(captureServiceHeaders(target)['Clustershark-Container'], container);
  });
});

describe('captureServiceHeaders', () => {
  it('carries the same values as the query, plus the bearer token', () => {
    const options = { nifs: ['eth0'], filter: 'udp', avoidPromiscuousMode: true };
    const query = captureServiceQueryParams(web, options);
    const headers = captureServiceHeaders(web, options, 'abc.DEF-123_~+/=');
    assert.deepEqual(headers, {
      'Clustershark-Container': query.get('container'),
      'Clustershark-Nif': query.get('nif'),
      'Clustershark-Filter': query.get('filter'),
      'Clustershark-Chaste': '',
      Authorization: 'Bearer abc.DEF-123_~+/=',
    });
    assertValidHeaders(headers);
    assert.deepEqual(Object.keys(captureServiceHeaders(web)), ['Clustershark-Container', 'Clustershark-Nif']);
  });

  it('escapes non-ASCII JSON as \\uXXXX so that Node accepts the header', () => {
    const target: Target = { name: 'ünï/名前', type: 'pod', netns: 1, nodeName: 'нод' };
    const headers = captureServiceHeaders(target);
    assertValidHeaders(headers);
    const container = headers['Clustershark-Container'] ?? '';
    assert.ok(container.includes('\\u00fc'), container);
    assert.equal(JSON.stringify(JSON.parse(container)), targetToJSON(target), 'the same JSON, only escaped');
  });

  it('cannot be split by names holding CR, LF, NUL, DEL or other controls', () => {
    const nasty = 'evil\r\nX-Injected: 1\r\n\r\nGET / HTTP/1.1\u0000\u007f\u0085\u2028';
    const target: Target = { name: nasty, type: 'docker', netns: 1, prefix: nasty, nodeName: nasty, cluster: { context: nasty, uid: nasty } };
    const headers = captureServiceHeaders(target, {}, 'tok');
    assertValidHeaders(headers);
    assert.equal(Object.keys(headers).length, 2);
    assert.equal((JSON.parse(headers['Clustershark-Container'] ?? '') as { name: string }).name, nasty);
  });

  it('turns line breaks and tabs in a filter into spaces and refuses other controls or non-ASCII', () => {
    const headers = captureServiceHeaders(web, { filter: 'tcp\r\nand\tport 80\n' });
    assert.equal(headers['Clustershark-Filter'], 'tcp  and port 80 ');
    assertValidHeaders(headers);
    assert.equal(captureServiceQueryParams(web, { filter: 'tcp\nor udp' }).get('filter'), 'tcp or udp');
    for (const bad of ['tcp\u0000', 'host ünï', 'udp\u007f']) {
      assert.throws(() => captureServiceHeaders(web, { filter: bad }), CaptureRequestError, JSON.stringify(bad));
      assert.throws(() => captureServiceQueryParams(web, { filter: bad }), CaptureRequestError, JSON.stringify(bad));
    }
  });

  it('refuses interface names that would split the list or the header', () => {
    for (const bad of ['eth0/1', 'eth 0', 'eth0\r\nX: y', '', 'ünï']) {
      assert.throws(() => captureServiceHeaders(web, { nifs: ['lo', bad] }), CaptureRequestError, JSON.stringify(bad));
    }
    assert.equal(captureServiceHeaders(web, { nifs: ['veth-a,b', 'br.10@x'] })['Clustershark-Nif'], 'veth-a,b/br.10@x');
  });

  it('refuses a bearer token that would break the header, without echoing it', () => {
    for (const bad of ['abc def', 'abc\r\nX: y', 'tök']) {
      assert.throws(() => captureServiceHeaders(web, {}, bad), (e: unknown) => e instanceof CaptureRequestError && !e.message.includes(bad));
    }
    assert.equal(captureServiceHeaders(web, {}, '')['Authorization'], undefined, 'an empty token means none');
  });

  it('refuses very long fields instead of producing requests the server rejects', () => {
    const longName: Target = { name: 'x'.repeat(MAX_REQUEST_FIELD_LENGTH), type: 'docker', netns: 1 };
    assert.throws(() => captureServiceHeaders(longName), CaptureRequestError);
    assert.throws(() => captureServiceQueryParams(web, { filter: 'a'.repeat(MAX_REQUEST_FIELD_LENGTH + 1) }), CaptureRequestError);
    const nearLimit: Target = { name: 'y'.repeat(MAX_REQUEST_FIELD_LENGTH - 100), type: 'docker', netns: 1 };
    assertValidHeaders(captureServiceHeaders(nearLimit));
  });

  it('produces only acceptable headers whose JSON reads back to the target, for any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.string({ unit: 'binary-ascii', maxLength: 50 }), (name, prefix, nodeName) => {
        const target: Target = { name, type: 'docker', netns: 7, prefix, nodeName };
        const headers = captureServiceHeaders(target, { avoidPromiscuousMode: true });
        assertValidHeaders(headers);
        const json = headers['Clustershark-Container'] ?? '';
        assert.equal(JSON.stringify(JSON.parse(json)), targetToJSON(target));
        assert.equal(captureServiceQueryParams(target).get('container'), json);
      }),
      { numRuns: 300 },
    );
  });
});

describe('completeTarget', () => {
  const discovered: Target[] = [
    { ...web, name: 'web', nodeName: 'h' },
    { name: 'default/p', type: 'pod', netns: 5, prefix: 'kind-worker', nodeName: 'h', networkInterfaces: ['eth0'] },
    { name: 'dup', type: 'docker', netns: 6, nodeName: 'h' },
    { name: 'dup', type: 'docker', netns: 7, nodeName: 'h' },
  ];
  const cache = new TargetCache();
  cache.set(discovered);

  it('returns a target with a network namespace as it is', () => {
    assert.equal(completeTarget(web, {}, new TargetCache()), web);
  });

  it('completes a bare pod by its cluster-wide name, even with a prefix', () => {
    const done = completeTarget({ name: 'default/p', type: 'pod' }, {}, cache);
    assert.deepEqual(done, discovered[1]);
    assert.notEqual(done, cache.pod('default/p'), 'a copy');
  });

  it('completes other bare targets by node, prefix and name, every time (not only while the cache is empty)', () => {
    const bare: Target = { name: 'web', type: '', nodeName: 'h' };
    assert.equal(completeTarget(bare, {}, cache).netns, web.netns);
    assert.equal(completeTarget(bare, undefined, cache).netns, web.netns);
    assert.equal(completeTarget({ ...bare, netns: 0 }, {}, cache).netns, web.netns);
  });

  it('refuses unknown and ambiguous targets with the target JSON in the message', () => {
    for (const [bare, matches] of [
      [{ name: 'nope', type: 'docker', nodeName: 'h' }, 0],
      [{ name: 'web', type: 'docker', nodeName: 'other' }, 0],
      [{ name: 'default/nope', type: 'pod' }, 0],
      [{ name: 'dup', type: 'docker', nodeName: 'h' }, 2],
    ] as [Target, number][]) {
      assert.throws(() => completeTarget(bare, {}, cache), (e: unknown) =>
        e instanceof TargetNotFoundError && e.matches === matches && e.message.startsWith(`non-existing target ${targetToJSON(bare)}`));
    }
  });
});

describe('parsePodName', () => {
  it('defaults the namespace', () => {
    assert.deepEqual(parsePodName('nginx'), { namespace: 'default', name: 'nginx', qualifiedName: 'default/nginx' });
    assert.deepEqual(parsePodName('kube-system/coredns'), { namespace: 'kube-system', name: 'coredns', qualifiedName: 'kube-system/coredns' });
  });

  it('refuses more than one slash or empty parts', () => {
    for (const bad of ['a/b/c', '/x', 'x/', '', '/']) {
      assert.throws(() => parsePodName(bad), (e: unknown) => e instanceof PodNameError && e.message === `invalid pod namespace/name: ${JSON.stringify(bad)}`, bad);
    }
  });
});
