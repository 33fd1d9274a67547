// The edgeshark-host config node: where captures come from (an Edgeshark service URL, the
// Edgeshark Service of a Kubernetes cluster through its API server with a kubeconfig credential,
// or this machine through dumpcap) and the discovery cache that goes with it. It keeps no socket open;
// capture nodes open their own captures through its SharkTank.
//
// It also serves the editor: GET /edgeshark/targets/:hostId lists the host's targets for the
// capture node's picker (permission `edgeshark-host.read`); `?refresh=1` forgets the cache first.
// GET /edgeshark/targets-for lists the targets of a service host as the editor has it configured
// (URL, TLS, the saved token; or kubeconfig host: context, Service, the saved kubeconfig), before
// it is deployed (same permission).
import { DEFAULT_SERVICE_TIMEOUT_MS } from '../core/host/capture-socket';
import type { SharkTank } from '../core/shark-tank';
import { errorText } from './lib/error-status';
import { describeHostSettings, hostSourceOf, isTlsConfigNode, tankFor, timeoutMsOf, tlsFromConfigNode } from './lib/host-settings';
import type { HostSettings } from './lib/host-settings';
import { isEdgesharkHostNode } from './lib/host-node';
import type { EdgesharkHostNode } from './lib/host-node';
import type { AdminRequest, AdminResponse, NodeAPI, NodeDefinition, RuntimeNode } from './lib/node-red-api';
import { targetChoices } from './lib/target-kind';
import { asError } from '../core/errors';

function settingsOf(RED: NodeAPI, node: RuntimeNode, def: NodeDefinition): HostSettings {
  const source = hostSourceOf(def.source);
  const tlsNode = typeof def.tls === 'string' && def.tls !== '' ? RED.nodes.getNode(def.tls) : undefined;
  const token = node.credentials?.token;
  const kubeconfig = node.credentials?.kubeconfig;
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  return {
    source,
    url: text(def.url),
    timeoutMs: timeoutMsOf(def.timeout, DEFAULT_SERVICE_TIMEOUT_MS),
    ...(token ? { bearerToken: token } : {}),
    ...(source === 'url' && isTlsConfigNode(tlsNode) ? { tls: tlsFromConfigNode(tlsNode) } : {}),
    ...(source === 'kubeconfig'
      ? { ...(kubeconfig ? { kubeconfig } : {}), ...(text(def.context) ? { context: text(def.context) } : {}), ...(text(def.service) ? { service: text(def.service) } : {}) }
      : {}),
  };
}

// The editor may ask for a local host's targets before that host node is deployed.
let undeployedLocalTank: SharkTank | undefined;

async function listTargets(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  const hostId = req.params.hostId ?? '';
  const host = RED.nodes.getNode(hostId);
  let tank: SharkTank;
  if (isEdgesharkHostNode(host)) {
    tank = host.tank();
  } else if (req.query.source === 'local') {
    undeployedLocalTank ??= tankFor({ source: 'local', url: '', timeoutMs: 0 });
    tank = undeployedLocalTank;
  } else {
    res.status(404).json({ error: RED._('edgeshark-host.errors.not-deployed') });
    return;
  }
  if (req.query.refresh === '1' || req.query.refresh === 'true') tank.clear();
  const targets = await tank.targets();
  res.json({ host: tank.description, targets: targetChoices(targets) });
}

/**
 * The targets of a host as the editor's dialog has it now, deployed or not (issue 16, item 3):
 * `?url=` the service URL, `&tls=` a deployed tls-config node, `&timeout=` seconds, `&hostId=`
 * the host node whose saved token credential goes along. For a kubeconfig host (issue 19)
 * `?source=kubeconfig&context=&service=&timeout=&hostId=` with the host's saved kubeconfig.
 * A discovery of its own each time.
 */
async function listTargetsFor(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  if (req.query.source === 'kubeconfig') {
    const hostId = text(req.query.hostId);
    const saved = hostId !== '' ? RED.nodes.getCredentials?.(hostId)?.kubeconfig : undefined;
    const tank = tankFor({
      source: 'kubeconfig',
      url: '',
      timeoutMs: timeoutMsOf(req.query.timeout, DEFAULT_SERVICE_TIMEOUT_MS),
      ...(typeof saved === 'string' && saved.trim() !== '' ? { kubeconfig: saved } : {}),
      ...(text(req.query.context) ? { context: text(req.query.context) } : {}),
      ...(text(req.query.service) ? { service: text(req.query.service) } : {}),
    });
    const targets = await tank.targets();
    res.json({ host: tank.description, targets: targetChoices(targets) });
    return;
  }
  const url = text(req.query.url);
  if (url === '') {
    res.status(400).json({ error: RED._('edgeshark-host.errors.no-url') });
    return;
  }
  const tlsId = text(req.query.tls);
  const tlsNode = tlsId !== '' ? RED.nodes.getNode(tlsId) : undefined;
  if (tlsId !== '' && !isTlsConfigNode(tlsNode)) {
    res.status(404).json({ error: RED._('edgeshark-host.errors.tls-not-deployed') });
    return;
  }
  const hostId = text(req.query.hostId);
  const token = hostId !== '' ? RED.nodes.getCredentials?.(hostId)?.token : undefined;
  const tank = tankFor({
    source: 'url',
    url,
    timeoutMs: timeoutMsOf(req.query.timeout, DEFAULT_SERVICE_TIMEOUT_MS),
    ...(typeof token === 'string' && token !== '' ? { bearerToken: token } : {}),
    ...(isTlsConfigNode(tlsNode) ? { tls: tlsFromConfigNode(tlsNode) } : {}),
  });
  const targets = await tank.targets();
  res.json({ host: tank.description, targets: targetChoices(targets) });
}

export = function register(RED: NodeAPI): void {
  function EdgesharkHost(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    const node = this as EdgesharkHostNode & { description: string };
    let settings: HostSettings | undefined;
    let settingsError: Error | undefined;
    try {
      settings = settingsOf(RED, node, def);
    } catch (err) {
      settingsError = asError(err);
      node.error(errorText(err));
    }
    let tank: SharkTank | undefined;
    node.description = settings ? describeHostSettings(settings) : 'this machine';
    if (settings?.source === 'kubeconfig') {
      // Read the kubeconfig now, so that a deploy shows what is wrong with it.
      try {
        tank = tankFor(settings);
      } catch (err) {
        settingsError = asError(err);
        node.error(errorText(err));
      }
    }
    node.tank = (): SharkTank => {
      if (settingsError) throw settingsError;
      tank ??= tankFor(settings!);
      return tank;
    };
    node.on('close', (_removed, done) => {
      // Nothing stays open between captures; the cache goes with the node.
      tank?.clear();
      done();
    });
  }
  RED.nodes.registerType('edgeshark-host', EdgesharkHost, { credentials: { token: { type: 'password' }, kubeconfig: { type: 'password' } } });

  RED.httpAdmin.get('/edgeshark/targets-for', RED.auth.needsPermission('edgeshark-host.read'), (req, res) => {
    listTargetsFor(RED, req, res).catch((err: unknown) => {
      res.status(502).json({ error: errorText(err), code: (err as { code?: unknown }).code ?? null });
    });
  });

  RED.httpAdmin.get('/edgeshark/targets/:hostId', RED.auth.needsPermission('edgeshark-host.read'), (req, res) => {
    listTargets(RED, req, res).catch((err: unknown) => {
      res.status(502).json({ error: errorText(err), code: (err as { code?: unknown }).code ?? null });
    });
  });
};
