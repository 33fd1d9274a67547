// The part of Node-RED's runtime API these nodes use, typed here because the project takes no
// dependency on @types/node-red. Shapes follow Node-RED 4.x (`module.exports = function (RED)`).

/** Express-style request/response, as far as the admin endpoints need them. */
export interface AdminRequest {
  readonly params: Record<string, string | undefined>;
  readonly query: Record<string, unknown>;
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
}

export type AdminHandler = (req: AdminRequest, res: AdminResponse, next?: () => void) => void;

/** A Node-RED message: any JSON-ish object; `_msgid` and `topic` are common. */
export interface NodeMessage {
  [key: string]: unknown;
  _msgid?: string;
  topic?: string;
  payload?: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type SendFunction = (msg: NodeMessage | (NodeMessage | null)[] | null) => void;
/** done() of a message; a failure as text (Catch nodes read it as msg.error.message, the debug sidebar shows it as text). */
export type DoneFunction = (err?: Error | string) => void;

/** The runtime node object a constructor receives as `this` after `RED.nodes.createNode`. */
export interface RuntimeNode {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  credentials?: Record<string, string | undefined>;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | (NodeMessage | null)[] | null): void;
  status(status: NodeStatus | Record<string, never>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}

/** What the node definition (the flow JSON object) always has. */
export interface NodeDefinition {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  readonly [key: string]: unknown;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDefinition): void;
    getNode(id: string): unknown;
    /** a node's saved credentials (deployed or not); absent in some test runtimes */
    getCredentials?(id: string): Record<string, string | undefined> | undefined;
    registerType(type: string, constructor: (this: RuntimeNode, def: NodeDefinition) => void, options?: object): void;
  };
  httpAdmin: { get(path: string, ...handlers: AdminHandler[]): void };
  auth: { needsPermission(permission: string): AdminHandler };
  _(key: string, substitutions?: Record<string, unknown>): string;
}
