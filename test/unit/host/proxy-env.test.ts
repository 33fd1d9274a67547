// Unit: which proxy a URL goes through (HTTPS_PROXY / HTTP_PROXY / NO_PROXY) and proxy URL parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noProxyMatches, parseProxyUrl, proxyForUrl, ProxyUrlError } from '../../../src/core/host/proxy-agent';

describe('proxyForUrl', () => {
  it('picks HTTPS_PROXY for https/wss and HTTP_PROXY for http/ws, upper case before lower case', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', https_proxy: 'http://lower-secure:3128', http_proxy: 'plain:8080' };
    assert.equal(proxyForUrl('https://svc:5001', env)?.display, 'http://secure:3128');
    assert.equal(proxyForUrl('wss://svc/capture', env)?.display, 'http://secure:3128');
    assert.equal(proxyForUrl('http://svc:5001', env)?.display, 'http://plain:8080');
    assert.equal(proxyForUrl('ws://svc:5001/capture', env)?.display, 'http://plain:8080');
    assert.equal(proxyForUrl('http://svc', {}), undefined);
    assert.equal(proxyForUrl('http://svc', { HTTP_PROXY: '  ' }), undefined);
  });

  it('NO_PROXY (or no_proxy) exempts matching hosts', () => {
    assert.equal(proxyForUrl('http://svc.example:5001', { HTTP_PROXY: 'p:1', no_proxy: '.example' }), undefined);
    assert.ok(proxyForUrl('http://svc.example:5001', { HTTP_PROXY: 'p:1', NO_PROXY: 'other.example' }));
  });
});

describe('noProxyMatches', () => {
  const cases: [string, string, number, boolean][] = [
    ['*', 'anything', 80, true],
    ['example.com', 'example.com', 80, true],
    ['example.com', 'svc.example.com', 80, true],
    ['example.com', 'badexample.com', 80, false],
    ['.example.com', 'example.com', 80, true],
    ['*.example.com', 'a.b.example.com', 80, true],
    ['EXAMPLE.com', 'Svc.Example.COM', 80, true],
    ['example.com:5001', 'example.com', 5001, true],
    ['example.com:5001', 'example.com', 443, false],
    ['10.0.0.0/8', '10.1.2.3', 80, true],
    ['10.0.0.0/8', '11.1.2.3', 80, false],
    ['10.0.0.0/8', 'ten.example', 80, false],
    ['fd00::/8', '[fd12::1]', 80, true],
    ['::1', '[::1]', 80, true],
    ['[::1]:5001', '::1', 5001, true],
    ['[::1]:5001', '::1', 5002, false],
    ['127.0.0.1', '127.0.0.1', 80, true],
    ['127.0.0.1', '127.0.0.2', 80, false],
    [' a.example , ,b.example ', 'b.example', 80, true],
    ['10.0.0.0/99, garbage/x, [::1', 'host', 80, false],
    ['', 'host', 80, false],
  ];
  for (const [noProxy, host, port, expected] of cases) {
    it(`${JSON.stringify(noProxy)} ${expected ? 'matches' : 'does not match'} ${host}:${port}`, () => {
      assert.equal(noProxyMatches(noProxy, host, port), expected);
    });
  }
});

describe('parseProxyUrl', () => {
  it('defaults to http:// and port 80, keeps credentials out of the display and into Basic auth', () => {
    assert.deepEqual(parseProxyUrl('proxy.example'), { hostname: 'proxy.example', port: 80, display: 'http://proxy.example' });
    const withAuth = parseProxyUrl('http://us%40r:p%3Ass@[::1]:3128');
    assert.equal(withAuth.hostname, '::1');
    assert.equal(withAuth.port, 3128);
    assert.equal(withAuth.display, 'http://[::1]:3128');
    assert.equal(withAuth.authorization, `Basic ${Buffer.from('us@r:p:ss').toString('base64')}`);
  });

  it('rejects other schemes and unusable text with a ProxyUrlError that hides credentials', () => {
    for (const bad of ['https://u:secret@proxy:443', 'socks5://proxy:1080', 'http://', 'http://[bad']) {
      assert.throws(() => parseProxyUrl(bad), (e: unknown) => e instanceof ProxyUrlError && !e.message.includes('secret'), bad);
    }
  });
});
