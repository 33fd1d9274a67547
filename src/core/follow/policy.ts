// Which capture errors a followed capture reconnects after (the target went away, the connection
// broke, the service is briefly down) and which end it at once because retrying cannot fix them
// (refused credentials, a wrong path, a bad filter, missing privilege or tools).

import { CaptureFailedError, CaptureHandshakeError } from '../capture-errors';
import { CshargError, errorMessage } from '../errors';
import { DumpcapFailedError } from '../local/errors';

export type FollowVerdict = { readonly retry: true } | { readonly retry: false; readonly why: string };

const RETRY: FollowVerdict = { retry: true };

/** HTTP statuses that say the request itself is wrong or not allowed: the same request fails again. */
const FINAL_STATUSES: ReadonlyMap<number, string> = new Map([
  [400, 'the server rejected the request as malformed (HTTP 400)'],
  [401, 'the server refused the credentials (HTTP 401): check the token'],
  [403, 'the server forbids this capture (HTTP 403): check the token and its rights'],
  [404, 'the server has no capture service at this URL (HTTP 404): check the URL and its path prefix'],
  [405, 'the server does not allow this method (HTTP 405)'],
]);

/** Error codes whose cause is in the request, the setup or this machine, not in the target's absence. */
const FINAL_CODES: ReadonlyMap<string, string> = new Map([
  ['CAPTURE_PROTOCOL', 'the server broke the capture protocol'],
  ['CAPTURE_WRITER_FAILED', 'the output failed'],
  ['CAPTURE_REQUEST', 'the capture request is invalid'],
  ['SERVICE_URL', 'the service URL is invalid'],
  ['POD_NAME', 'the pod name is invalid'],
  ['DISCOVERY_FORMAT', 'discovery answers are malformed'],
  ['LOCAL_PRIVILEGE', 'this process lacks the privilege to capture'],
  ['LOCAL_TOOL_MISSING', 'a program the capture needs is missing'],
  ['LOCAL_TARGET_INVALID', 'the target cannot be captured locally'],
  ['PCAPNG_FORMAT', 'the capture stream is not valid pcapng'],
  ['SHB_TOO_LARGE', 'the capture stream is not valid pcapng'],
  ['SHB_TRUNCATED', 'the capture stream is not valid pcapng'],
  ['SHB_MALFORMED', 'the capture stream is not valid pcapng'],
  ['SHB_COMMENT_TOO_LONG', 'the capture metadata does not fit'],
]);

/** Codes of "the target is not there (yet)" and "the path to it broke": worth another try. */
const RETRY_CODES: ReadonlySet<string> = new Set([
  'CAPTURE_CONNECTION_LOST',
  'DISCOVERY_FAILED',
  'TARGET_NOT_FOUND',
  'LOCAL_TARGET_GONE',
  'FOLLOW_TARGET_LEFT',
]);

const FILTER_PROBLEM = /filter/i;

/** Whether a followed capture should reconnect after `error`, and if not, why. */
export function followVerdict(error: unknown): FollowVerdict {
  if (error instanceof CaptureHandshakeError) {
    const final = error.status === undefined ? undefined : FINAL_STATUSES.get(error.status);
    return final === undefined ? RETRY : { retry: false, why: `${final}; retrying cannot fix that` };
  }
  if (error instanceof DumpcapFailedError || error instanceof CaptureFailedError) {
    // A vanished interface or namespace, or a killed dumpcap, can be retried; a bad filter cannot.
    const reason = error.reason ?? '';
    if (FILTER_PROBLEM.test(reason)) return { retry: false, why: `the capture filter was rejected (${reason}); retrying cannot fix that` };
    return RETRY;
  }
  if (error instanceof CshargError) {
    if (RETRY_CODES.has(error.code)) return RETRY;
    const final = FINAL_CODES.get(error.code) ?? `unexpected ${error.code} error`;
    return { retry: false, why: `${final} (${error.message}); retrying cannot fix that` };
  }
  const message = errorMessage(error);
  return { retry: false, why: `unexpected error (${message}); not retried` };
}
