// What the user is told about a TLS failure: the server's certificate, or the server refusing ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateHint, oneLine } from '../../../src/core/host/capture-socket';

const withCode = (code: string): Error & { code: string } => Object.assign(new Error(code), { code });

test('certificateHint: an untrusted server certificate asks for its CA or insecureSkipVerify', () => {
  for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
    assert.match(certificateHint(withCode(code)) ?? '', /server's certificate is not trusted.*tls\.ca.*insecureSkipVerify/, code);
  }
  assert.match(certificateHint(withCode('ERR_TLS_CERT_ALTNAME_INVALID')) ?? '', /not for this host name/);
});

test('certificateHint: a TLS alert refusing our client certificate asks for tls.cert/tls.key, never insecureSkipVerify', () => {
  for (const code of ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN']) {
    const hint = certificateHint(withCode(code)) ?? '';
    assert.match(hint, /refused the client certificate.*tls\.cert and tls\.key/, code);
    assert.doesNotMatch(hint, /insecureSkipVerify|tls\.ca/, code);
  }
  assert.equal(certificateHint(withCode('ECONNRESET')), undefined);
});

test('oneLine: OpenSSL messages with line breaks become one line', () => {
  assert.equal(oneLine('error:0A00045C:SSL routines::tlsv13 alert certificate required\n  SSL alert number 116\n'), 'error:0A00045C:SSL routines::tlsv13 alert certificate required SSL alert number 116');
});

test('certificateHint: the untrusted-certificate hint also says how the csharg command gives a CA or skips the check', () => {
  assert.match(certificateHint(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE')) ?? '', /csharg command: NODE_EXTRA_CA_CERTS=CA-FILE, or -k\)$/);
});
