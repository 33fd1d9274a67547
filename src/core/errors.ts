// Typed errors of the core library. Every error carries a stable `code` so that callers (the CLI,
// Node-RED nodes, RxJS subscribers) can branch on the kind of failure without parsing messages.

/** Base class of every error this library raises on purpose. */
export class CshargError extends Error {
  constructor(
    /** stable machine-readable kind, e.g. `DISCOVERY_FORMAT` */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Discovery JSON (or a target description) has a known key with the wrong type, or lacks one. */
export class DiscoveryFormatError extends CshargError {
  constructor(
    /** the offending key, dotted for nested keys (`cluster.uid`); empty for the document itself */
    readonly key: string,
    /** which target: its name when it has a string one, else its index (`#3`); empty for the document */
    readonly target: string,
    detail: string,
  ) {
    const where = target === '' ? 'discovery answer' : `discovery answer, target ${target}`;
    super('DISCOVERY_FORMAT', key === '' ? `${where}: ${detail}` : `${where}: key "${key}" ${detail}`);
  }
}

/** A service (host) URL the client cannot use. */
export class ServiceUrlError extends CshargError {
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super('SERVICE_URL', detail);
  }
}

/** A capture request cannot be built safely from the given target, options or token. */
export class CaptureRequestError extends CshargError {
  constructor(detail: string) {
    super('CAPTURE_REQUEST', detail);
  }
}

/** A pod name that is neither `name` nor `namespace/name`. */
export class PodNameError extends CshargError {
  constructor(readonly podName: string) {
    super('POD_NAME', `invalid pod namespace/name: ${JSON.stringify(podName)}`);
  }
}

/** A bare target that discovery does not know (or knows more than once). */
export class TargetNotFoundError extends CshargError {
  constructor(
    /** the target as compact JSON, as it was asked for */
    readonly targetJSON: string,
    /** how many discovered targets matched: 0 = none, more than 1 = ambiguous */
    readonly matches: number,
  ) {
    super(
      'TARGET_NOT_FOUND',
      matches === 0
        ? `non-existing target ${targetJSON}`
        : `non-existing target ${targetJSON} (ambiguous: ${matches} targets match)`,
    );
  }
}

/** Why the section header block of a capture stream could not be edited. */
export type ShbEditFailure =
  /** the SHB announces a length above the cap */
  | 'SHB_TOO_LARGE'
  /** the stream ended inside the first SHB */
  | 'SHB_TRUNCATED'
  /** the SHB is not well-formed (length, byte-order magic, options, trailer) */
  | 'SHB_MALFORMED'
  /** the edited comment does not fit into one pcapng option (65535 bytes) */
  | 'SHB_COMMENT_TOO_LONG';

/** The first section header block of a capture stream could not be edited. */
export class ShbEditError extends CshargError {
  constructor(
    override readonly code: ShbEditFailure,
    detail: string,
  ) {
    super(code, `pcapng section header block: ${detail}`);
  }
}

/** Whatever was thrown, as an Error (a thrown string or object becomes the message of a plain Error). */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** The message of whatever was thrown. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
