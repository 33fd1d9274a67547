import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseServiceUrl, discoveryUrl, captureUrl } from '../../../src/core/host/service-url';
import { ServiceUrlError } from '../../../src/core/errors';

describe('parseServiceUrl', () => {
  it('adds http:// when the scheme is missing', () => {
    const url = parseServiceUrl('localhost:5001');
    assert.equal(url.protocol, 'http:');
    assert.equal(url.httpBase, 'http://localhost:5001');
    assert.equal(url.wsBase, 'ws://localhost:5001');
    assert.equal(url.basePath, '');
  });

  it('keeps http and https, and maps ws/wss to them', () => {
    assert.equal(parseServiceUrl('https://edge.example:8443').wsBase, 'wss://edge.example:8443');
    assert.equal(parseServiceUrl('HTTP://Edge.Example:5001').httpBase, 'http://edge.example:5001');
    assert.equal(parseServiceUrl('ws://h:5001').httpBase, 'http://h:5001');
    assert.equal(parseServiceUrl('wss://h').httpBase, 'https://h');
  });

  it('keeps a path as the base path, without trailing slashes', () => {
    for (const [given, base] of [
      ['https://edge.example/edgeshark', '/edgeshark'],
      ['https://edge.example/edgeshark/', '/edgeshark'],
      ['edge.example:443/a/b//', '/a/b'],
      ['http://h:5001/', ''],
    ] as const) {
      const url = parseServiceUrl(given);
      assert.equal(url.basePath, base, given);
      assert.ok(url.httpBase.endsWith(`${url.host}${base}`), given);
    }
  });

  it('refuses user info, a query or a fragment with csharg\'s message', () => {
    for (const bad of ['http://user:pw@h:5001', 'user@h', 'http://@h', 'h:5001?x=1', 'h:5001/?', 'http://h#frag', 'h/path#']) {
      assert.throws(() => parseServiceUrl(bad), (e: unknown) => e instanceof ServiceUrlError && e.message === 'only host name and optional port number allowed' && e.url === bad, bad);
    }
  });

  it('refuses other schemes and unusable URLs with a typed error naming the URL', () => {
    for (const bad of ['ftp://h', 'http://', 'h:notaport', '']) {
      assert.throws(() => parseServiceUrl(bad), (e: unknown) => e instanceof ServiceUrlError && e.code === 'SERVICE_URL', bad);
    }
  });

  it('gives the host name as node name, with or without port (csharg gives "" without one)', () => {
    assert.equal(parseServiceUrl('localhost').nodeName, 'localhost');
    assert.equal(parseServiceUrl('localhost:5001').nodeName, 'localhost');
    assert.equal(parseServiceUrl('https://edge.example/edgeshark').nodeName, 'edge.example');
    assert.equal(parseServiceUrl('10.0.0.1:5001').nodeName, '10.0.0.1');
  });

  it('gives an IPv6 node name without brackets, as Go\'s SplitHostPort does, but keeps them in URLs', () => {
    const url = parseServiceUrl('[::1]:5001');
    assert.equal(url.nodeName, '::1');
    assert.equal(url.host, '[::1]:5001');
    assert.equal(url.wsBase, 'ws://[::1]:5001');
    assert.equal(parseServiceUrl('http://[fe80::1]').nodeName, 'fe80::1');
  });
});

describe('service endpoints', () => {
  it('discovery is BASE/discover/mobyshark', () => {
    assert.equal(discoveryUrl(parseServiceUrl('localhost:5001')), 'http://localhost:5001/discover/mobyshark');
    assert.equal(discoveryUrl(parseServiceUrl('https://edge.example/edgeshark/')), 'https://edge.example/edgeshark/discover/mobyshark');
  });

  it('capture is ws(s)://HOST/BASE/capture?QUERY', () => {
    const query = new URLSearchParams([['container', '{"a":1}'], ['nif', 'eth0/lo']]);
    assert.equal(captureUrl(parseServiceUrl('localhost:5001'), query), `ws://localhost:5001/capture?${query.toString()}`);
    assert.equal(captureUrl(parseServiceUrl('https://edge.example/edgeshark'), query), `wss://edge.example/edgeshark/capture?${query.toString()}`);
    assert.equal(captureUrl(parseServiceUrl('h'), ''), 'ws://h/capture');
  });
});
