// Edgeshark in a Kubernetes cluster, reached through the API server's service proxy with the
// user's kubeconfig, read as kubectl (client-go's clientcmd) reads it:
//
// - which files: an explicit file (kubectl's --kubeconfig) alone, and it must exist; else every
//   file of $KUBECONFIG (a path list; missing files skipped, duplicates once); else ~/.kube/config;
// - merging: the first file that names a cluster, user or context wins that entry whole (later
//   files' entries of the same name are dropped, fields and all); the first file that sets
//   current-context wins it;
// - paths (certificate-authority, client-certificate, client-key, tokenFile) relative to the
//   folder of the file that holds them;
// - the context (--context, else current-context), its cluster (server, certificate-authority
//   and -data, insecure-skip-tls-verify, proxy-url) and its user (token, tokenFile,
//   client-certificate/-key and their -data), with kubectl's validity rules: data and file of one
//   thing both given, a CA together with insecure-skip-tls-verify, two authentication methods, a
//   client certificate without key are errors, as kubectl reports them. Exec and auth-provider
//   plugins, basic auth, impersonation and tls-server-name are refused with a clear message.
//   Unlike kubectl, a tokenFile is read once, when the tank is made (kubectl re-reads it).
//
// From that: the service-proxy URL of the Packetflix Service (default edgeshark/packetflix:5001,
// https://SERVER/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy), the bearer token
// or client certificate, and the CA, for an ordinary host client (newSharkTankOnHost).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { CshargError, errorMessage } from '../errors';
import { newSharkTankOnHost } from './host-shark-tank';
import type { HostClientOptions, HostSharkTank } from './host-shark-tank';

/** The Service that kubeconfig captures go to unless told otherwise. */
export const DEFAULT_EDGESHARK_SERVICE = 'edgeshark/packetflix:5001';

/** A kubeconfig that cannot be read or used; the message names the file or the entry. */
export class KubeconfigError extends CshargError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('KUBECONFIG', `kubeconfig: ${detail}`, options);
  }
}

/** Where the kubeconfig comes from and which context and Service to use. */
export interface KubeconfigOptions {
  /** a kubeconfig file, alone (kubectl's --kubeconfig); it must exist. Default: $KUBECONFIG, then ~/.kube/config */
  kubeconfig?: string;
  /** kubeconfig text instead of files (e.g. pasted into Node-RED); relative paths in it resolve against `baseDir` */
  kubeconfigText?: string;
  /** folder for relative paths in `kubeconfigText` (default: the working directory) */
  baseDir?: string;
  /** the context to use (kubectl's --context); default: the kubeconfig's current-context */
  context?: string;
  /**
   * the Edgeshark (Packetflix) Service, `[NAMESPACE/]NAME[:PORT]`; default `edgeshark/packetflix:5001`.
   * No namespace: the context's namespace, else `default` (as kubectl); no port: 5001
   */
  service?: string;
  /** environment for KUBECONFIG and HOME (default process.env) */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The Service a capture goes to, as `--edgeshark-service` names it. */
export interface EdgesharkService {
  readonly namespace: string;
  readonly name: string;
  /** a port number or a port name */
  readonly port: string;
}

/** What a kubeconfig gives for reaching Edgeshark through the API server. */
export interface KubeconfigAccess {
  /** the files read, in order (empty for `kubeconfigText`) */
  readonly files: readonly string[];
  readonly context: string;
  readonly cluster: string;
  /** the user entry's name; undefined when the context names none (anonymous) */
  readonly user: string | undefined;
  /** the API server as the cluster entry has it, with a scheme (kubectl's default when it had none) */
  readonly server: string;
  readonly service: EdgesharkService;
  /** the service-proxy URL of the Service: SERVER/api/v1/namespaces/NS/services/http:NAME:PORT/proxy */
  readonly serviceUrl: string;
  readonly bearerToken?: string;
  /** PEM data: the CA (certificate-authority), the client certificate and key */
  readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly insecureSkipVerify: boolean;
  /** the cluster's proxy-url, if any */
  readonly proxyUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Which files

/** Where the files come from: kubectl's --kubeconfig, the $KUBECONFIG list, or ~/.kube/config. */
export type KubeconfigFrom = 'explicit' | 'KUBECONFIG' | 'home';

/** The files kubectl would read, in order: `explicit` alone, else $KUBECONFIG's list (duplicates once), else ~/.kube/config. */
export function kubeconfigFiles(explicit: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): { files: string[]; from: KubeconfigFrom } {
  if (explicit !== undefined && explicit !== '') return { files: [explicit], from: 'explicit' };
  const list = env.KUBECONFIG;
  if (list !== undefined && list !== '') {
    const seen = new Set<string>();
    const files = list.split(path.delimiter).filter((f) => f !== '' && !seen.has(f) && seen.add(f));
    return { files, from: 'KUBECONFIG' };
  }
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  return { files: [path.join(home, '.kube', 'config')], from: 'home' };
}

// ---------------------------------------------------------------------------------------------
// One file: YAML to plain entries

export type KubeconfigEntry = Record<string, YamlNode | undefined>;

/** One kubeconfig file: its named entries (paths made absolute) and current-context. */
export interface ParsedKubeconfig {
  readonly origin: string;
  readonly currentContext?: string;
  readonly clusters: Map<string, KubeconfigEntry>;
  readonly users: Map<string, KubeconfigEntry>;
  readonly contexts: Map<string, KubeconfigEntry>;
}

function resolveNode(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The pairs of a YAML map as key → node; aliases resolved. */
function mapEntries(doc: Document, node: unknown, where: string, origin: string): KubeconfigEntry {
  const resolved = resolveNode(doc, node);
  if (resolved === null || resolved === undefined || (isScalar(resolved) && resolved.value === null)) return {};
  if (!isMap(resolved)) throw new KubeconfigError(`${origin}: ${where} is not a map`);
  const out: KubeconfigEntry = {};
  for (const pair of resolved.items) {
    const key = resolveNode(doc, pair.key);
    const name = isScalar(key) ? String(key.value) : undefined;
    if (name === undefined) throw new KubeconfigError(`${origin}: ${where} has a key that is not a string`);
    if (name === '<<') continue;
    out[name] = (resolveNode(doc, pair.value) ?? undefined) as YamlNode | undefined;
  }
  return out;
}

/**
 * A string field: absent or null = undefined; a number or boolean is taken as written (`token:
 * 0123` is "0123"), since every such field is a string to kubectl.
 */
function stringField(entry: KubeconfigEntry, key: string, where: string, origin: string): string | undefined {
  const node = entry[key];
  if (node === undefined || node === null) return undefined;
  if (!isScalar(node)) throw new KubeconfigError(`${origin}: ${where}: "${key}" must be a string`);
  const value: unknown = node.value;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return node.source ?? String(value);
  throw new KubeconfigError(`${origin}: ${where}: "${key}" must be a string`);
}

function boolField(entry: KubeconfigEntry, key: string, where: string, origin: string): boolean | undefined {
  const node = entry[key];
  if (node === undefined || node === null) return undefined;
  if (isScalar(node) && (node.value === null || typeof node.value === 'boolean')) return node.value ?? undefined;
  throw new KubeconfigError(`${origin}: ${where}: "${key}" must be true or false`);
}

/** `clusters`, `users` or `contexts`: a list of {name, <inner>: {...}}; a name twice in one file is an error (as kubectl). */
function namedList(doc: Document, root: KubeconfigEntry, list: string, inner: string, origin: string): Map<string, KubeconfigEntry> {
  const out = new Map<string, KubeconfigEntry>();
  const node = resolveNode(doc, root[list]);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return out;
  if (!isSeq(node)) throw new KubeconfigError(`${origin}: "${list}" is not a list`);
  node.items.forEach((item, i) => {
    const entry = mapEntries(doc, item, `${list}[${i}]`, origin);
    const name = stringField(entry, 'name', `${list}[${i}]`, origin) ?? '';
    if (out.has(name)) throw new KubeconfigError(`${origin}: duplicate name ${JSON.stringify(name)} in "${list}"`);
    out.set(name, mapEntries(doc, entry[inner], `${list}[${i}].${inner}`, origin));
  });
  return out;
}

const PATH_FIELDS: Record<'clusters' | 'users', readonly string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

/** Parses kubeconfig text; relative paths are made absolute against `baseDir` (kubectl: the file's folder). */
export function parseKubeconfig(text: string, origin: string, baseDir: string): ParsedKubeconfig {
  const doc = parseDocument(text, { version: '1.1', prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) throw new KubeconfigError(`${origin}: not valid YAML: ${problem.message}`);
  const root = mapEntries(doc, doc.contents, 'the document', origin);
  const clusters = namedList(doc, root, 'clusters', 'cluster', origin);
  const users = namedList(doc, root, 'users', 'user', origin);
  const contexts = namedList(doc, root, 'contexts', 'context', origin);
  for (const [list, entries] of [['clusters', clusters], ['users', users]] as const) {
    for (const [name, entry] of entries) {
      for (const field of PATH_FIELDS[list]) {
        const value = stringField(entry, field, `${list} "${name}"`, origin);
        if (value !== undefined && value !== '' && !path.isAbsolute(value)) {
          entry[field] = doc.createNode(path.resolve(baseDir, value));
        }
      }
    }
  }
  const currentContext = stringField(root, 'current-context', 'the document', origin);
  return { origin, clusters, users, contexts, ...(currentContext ? { currentContext } : {}) };
}

/** The first file's entry of a name wins whole; the first non-empty current-context wins. */
function mergeKubeconfigs(configs: readonly ParsedKubeconfig[]): Omit<ParsedKubeconfig, 'origin'> & { origins: Map<KubeconfigEntry, string> } {
  const clusters = new Map<string, KubeconfigEntry>();
  const users = new Map<string, KubeconfigEntry>();
  const contexts = new Map<string, KubeconfigEntry>();
  const origins = new Map<KubeconfigEntry, string>();
  let currentContext: string | undefined;
  for (const config of configs) {
    for (const [into, from] of [
      [clusters, config.clusters],
      [users, config.users],
      [contexts, config.contexts],
    ] as const) {
      for (const [name, entry] of from) {
        if (into.has(name)) continue;
        into.set(name, entry);
        origins.set(entry, config.origin);
      }
    }
    currentContext ??= config.currentContext;
  }
  return { clusters, users, contexts, origins, ...(currentContext ? { currentContext } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The Service

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `[NAMESPACE/]NAME[:PORT]`: no namespace = `defaultNamespace`, no port = 5001. */
export function parseEdgesharkService(text: string, defaultNamespace = 'default'): EdgesharkService {
  const m = /^(?:([^/:]*)\/)?([^/:]*)(?::([^/:]*))?$/.exec(text.trim());
  const bad = (why: string): KubeconfigError =>
    new KubeconfigError(`Edgeshark service ${JSON.stringify(text)}: ${why} (expected NAMESPACE/NAME:PORT, e.g. ${DEFAULT_EDGESHARK_SERVICE})`);
  if (!m) throw bad('not of the form [NAMESPACE/]NAME[:PORT]');
  const namespace = m[1] ?? defaultNamespace;
  const name = m[2] ?? '';
  const port = m[3] ?? '5001';
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw bad(`namespace ${JSON.stringify(namespace)} is not a DNS label`);
  if (!DNS_LABEL.test(name) || name.length > 63) throw bad(`name ${JSON.stringify(name)} is not a DNS label`);
  const number = /^\d+$/.test(port) ? Number(port) : undefined;
  const portOk = number !== undefined ? number >= 1 && number <= 65535 : DNS_LABEL.test(port) && /[a-z]/.test(port) && port.length <= 15;
  if (!portOk) throw bad(`port ${JSON.stringify(port)} is neither a number 1-65535 nor a port name`);
  return { namespace, name, port: number !== undefined ? String(number) : port };
}

/** The service-proxy URL: SERVER[/PATH]/api/v1/namespaces/NS/services/http:NAME:PORT/proxy. */
export function serviceProxyUrl(server: string, service: EdgesharkService): string {
  return `${server.replace(/\/+$/, '')}/api/v1/namespaces/${service.namespace}/services/http:${service.name}:${service.port}/proxy`;
}

// ---------------------------------------------------------------------------------------------
// The context

function readPem(file: string, what: string, owner: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new KubeconfigError(`unable to read ${what} ${file} for ${owner}: ${errorMessage(err)}`, { cause: err });
  }
}

function base64Field(entry: KubeconfigEntry, key: string, where: string, origin: string): Buffer | undefined {
  const text = stringField(entry, key, where, origin);
  if (text === undefined || text === '') return undefined;
  // Go's base64 (a []byte in JSON) skips line breaks and nothing else.
  const clean = text.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new KubeconfigError(`${origin}: ${where}: "${key}" is not base64`);
  return Buffer.from(clean, 'base64');
}

function present(entry: KubeconfigEntry, key: string): boolean {
  const node = entry[key];
  if (node === undefined || node === null) return false;
  if (isScalar(node)) return node.value !== null && node.value !== '';
  if (isMap(node) || isSeq(node)) return node.items.length > 0;
  return true;
}

function loadConfigs(options: KubeconfigOptions): { configs: ParsedKubeconfig[]; files: string[] } {
  if (options.kubeconfigText !== undefined) {
    const baseDir = options.baseDir ?? process.cwd();
    return { configs: [parseKubeconfig(options.kubeconfigText, 'the kubeconfig given', baseDir)], files: [] };
  }
  const env = options.env ?? process.env;
  const { files, from } = kubeconfigFiles(options.kubeconfig, env);
  const configs: ParsedKubeconfig[] = [];
  const read: string[] = [];
  for (const file of files) {
    const absolute = path.resolve(file);
    let text: string;
    try {
      text = fs.readFileSync(absolute, 'utf8');
    } catch (err) {
      // kubectl skips missing files of $KUBECONFIG and a missing ~/.kube/config, not a missing --kubeconfig.
      if (from !== 'explicit' && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new KubeconfigError(`cannot read ${file}: ${errorMessage(err)}`, { cause: err });
    }
    configs.push(parseKubeconfig(text, file, path.dirname(absolute)));
    read.push(file);
  }
  if (configs.length === 0) {
    throw new KubeconfigError(
      from === 'KUBECONFIG'
        ? `none of the files in KUBECONFIG (${env.KUBECONFIG}) exists`
        : `${files.join(', ')} does not exist: give a kubeconfig with --kubeconfig FILE or KUBECONFIG`,
    );
  }
  return { configs, files: read };
}

/** Reads the kubeconfig as kubectl does and picks out what a capture through the API server needs. */
export function loadKubeconfig(options: KubeconfigOptions = {}): KubeconfigAccess {
  const { configs, files } = loadConfigs(options);
  const merged = mergeKubeconfigs(configs);
  const contextName = options.context !== undefined && options.context !== '' ? options.context : merged.currentContext;
  const known = [...merged.contexts.keys()];
  if (contextName === undefined) {
    throw new KubeconfigError(`no current-context set: give one with --context (${known.length ? `contexts: ${known.join(', ')}` : 'the kubeconfig has no contexts'})`);
  }
  const context = merged.contexts.get(contextName);
  if (!context) throw new KubeconfigError(`context was not found for specified context: ${contextName}${known.length ? ` (contexts: ${known.join(', ')})` : ''}`);
  const contextOrigin = merged.origins.get(context) ?? '';
  const where = `context "${contextName}"`;
  const clusterName = stringField(context, 'cluster', where, contextOrigin);
  const userName = stringField(context, 'user', where, contextOrigin) || undefined;
  const namespace = stringField(context, 'namespace', where, contextOrigin) || 'default';
  if (!clusterName) throw new KubeconfigError(`cluster was not specified for context "${contextName}"`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`cluster "${clusterName}" was not found for context "${contextName}"`);
  let user: KubeconfigEntry = {};
  if (userName !== undefined) {
    const found = merged.users.get(userName);
    if (!found) throw new KubeconfigError(`user "${userName}" was not found for context "${contextName}"`);
    user = found;
  }

  // The cluster.
  const clusterOrigin = merged.origins.get(cluster) ?? '';
  const clusterWhere = `cluster "${clusterName}"`;
  const clusterStr = (key: string): string | undefined => stringField(cluster, key, clusterWhere, clusterOrigin) || undefined;
  const rawServer = clusterStr('server');
  if (rawServer === undefined) throw new KubeconfigError(`no server found for cluster "${clusterName}"`);
  const caData = base64Field(cluster, 'certificate-authority-data', clusterWhere, clusterOrigin);
  const caFile = clusterStr('certificate-authority');
  const insecure = boolField(cluster, 'insecure-skip-tls-verify', clusterWhere, clusterOrigin) === true;
  if (caData && caFile) throw new KubeconfigError(`certificate-authority-data and certificate-authority are both specified for ${clusterName}. certificate-authority-data will override.`);
  if (insecure && (caData || caFile)) throw new KubeconfigError(`insecure-skip-tls-verify and a certificate authority are both specified for cluster "${clusterName}": specifying a root certificates file with the insecure flag is not allowed`);
  if (clusterStr('tls-server-name') !== undefined) throw new KubeconfigError(`cluster "${clusterName}" sets tls-server-name, which csharg does not support: use a server name the certificate holds`);
  const proxyUrl = clusterStr('proxy-url');
  const ca = caData ?? (caFile ? readPem(caFile, 'certificate-authority', clusterWhere) : undefined);

  // The user.
  const userOrigin = userName !== undefined ? (merged.origins.get(user) ?? '') : '';
  const userWhere = `user "${userName ?? ''}"`;
  const userStr = (key: string): string | undefined => stringField(user, key, userWhere, userOrigin) || undefined;
  if (present(user, 'exec')) {
    const exec = user.exec;
    const commandNode = isMap(exec) ? exec.items.find((p) => isScalar(p.key) && p.key.value === 'command')?.value : undefined;
    const command = isScalar(commandNode) ? String(commandNode.value) : '?';
    throw new KubeconfigError(
      `user "${userName}" gets its credentials from an exec plugin (${command}), which csharg does not run: use a kubeconfig whose user has a token, tokenFile or client certificate (e.g. kubectl create token, then kubectl config set-credentials)`,
    );
  }
  if (present(user, 'auth-provider')) {
    throw new KubeconfigError(`user "${userName}" uses an auth-provider plugin, which csharg does not support: use a token, tokenFile or client certificate`);
  }
  const token = userStr('token');
  const tokenFile = userStr('tokenFile');
  if (userStr('username') !== undefined || userStr('password') !== undefined) {
    if (token !== undefined || tokenFile !== undefined) throw new KubeconfigError(`more than one authentication method found for ${userName}; found [token basicAuth], only one is allowed`);
    throw new KubeconfigError(`user "${userName}" uses basic authentication (username/password), which csharg does not support (the API server dropped it in Kubernetes 1.19): use a token or client certificate`);
  }
  for (const key of ['as', 'as-uid', 'as-groups', 'as-user-extra']) {
    if (present(user, key)) throw new KubeconfigError(`user "${userName}" impersonates (${key}), which csharg does not support`);
  }
  const certData = base64Field(user, 'client-certificate-data', userWhere, userOrigin);
  const certFile = userStr('client-certificate');
  const keyData = base64Field(user, 'client-key-data', userWhere, userOrigin);
  const keyFile = userStr('client-key');
  if (certData && certFile) throw new KubeconfigError(`client-cert-data and client-cert are both specified for ${userName}. client-cert-data will override.`);
  if (keyData && keyFile) throw new KubeconfigError(`client-key-data and client-key are both specified for ${userName}; client-key-data will override`);
  if ((certData || certFile) && !(keyData || keyFile)) throw new KubeconfigError(`client-key-data or client-key must be specified for ${userName} to use the clientCert authentication method.`);
  if ((keyData || keyFile) && !(certData || certFile)) throw new KubeconfigError(`client-cert-data or client-cert must be specified for ${userName} to use the clientCert authentication method.`);
  const cert = certData ?? (certFile ? readPem(certFile, 'client-cert', userWhere) : undefined);
  const key = keyData ?? (keyFile ? readPem(keyFile, 'client-key', userWhere) : undefined);
  // As client-go: a readable tokenFile is what each request sends (re-read, trimmed), even when
  // token is set too; token is the fallback when the file cannot be read; no token and an
  // unreadable file is an error.
  let bearerToken = token;
  if (tokenFile !== undefined) {
    try {
      bearerToken = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      if (token === undefined) throw new KubeconfigError(`unable to read tokenFile ${tokenFile} for ${userWhere}: ${errorMessage(err)}`, { cause: err });
    }
  }

  // A server without a scheme: https when TLS is configured, else http (client-go's DefaultServerURL).
  const tlsConfigured = ca !== undefined || cert !== undefined || insecure;
  const server = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawServer) ? rawServer : `${tlsConfigured ? 'https' : 'http'}://${rawServer}`;
  const service = parseEdgesharkService(options.service ?? DEFAULT_EDGESHARK_SERVICE, namespace);
  return {
    files,
    context: contextName,
    cluster: clusterName,
    user: userName,
    server,
    service,
    serviceUrl: serviceProxyUrl(server, service),
    ...(bearerToken !== undefined && bearerToken !== '' ? { bearerToken } : {}),
    tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) },
    insecureSkipVerify: insecure,
    ...(proxyUrl !== undefined ? { proxyUrl } : {}),
  };
}

/** Options of newSharkTankFromKubeconfig: where the kubeconfig is, and the host client's options. */
export interface KubeconfigTankOptions extends KubeconfigOptions, Omit<HostClientOptions, 'tls'> {}

/**
 * A SharkTank for the Edgeshark Service of a Kubernetes cluster, reached through the API server's
 * service proxy with the kubeconfig's credentials and CA. `bearerToken` and `insecureSkipVerify`
 * override the kubeconfig's (as kubectl's --token and --insecure-skip-tls-verify); `proxy`
 * overrides the cluster's proxy-url. Reads the files at once; throws KubeconfigError.
 */
export function newSharkTankFromKubeconfig(options: KubeconfigTankOptions = {}): HostSharkTank {
  const access = loadKubeconfig(options);
  const { kubeconfig: _k, kubeconfigText: _t, baseDir: _b, context: _c, service: _s, env: _e, ...client } = options;
  const bearerToken = client.bearerToken ?? access.bearerToken;
  const tls = access.tls;
  return newSharkTankOnHost(access.serviceUrl, {
    ...client,
    ...(bearerToken !== undefined ? { bearerToken } : {}),
    insecureSkipVerify: client.insecureSkipVerify === true || access.insecureSkipVerify,
    ...(tls.ca || tls.cert || tls.key ? { tls: { ...tls } } : {}),
    ...(client.proxy === undefined && access.proxyUrl !== undefined ? { proxy: access.proxyUrl } : {}),
  });
}
