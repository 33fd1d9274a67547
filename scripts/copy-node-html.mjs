// After tsc: puts the Node-RED editor files next to the compiled nodes (dist/nodes), where
// Node-RED looks for a node's .html, its locales/<lang>/<node>.json and its icons/.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'nodes-html');
const to = path.join(root, 'dist', 'nodes');

mkdirSync(to, { recursive: true });
for (const entry of readdirSync(from, { withFileTypes: true })) {
  const source = path.join(from, entry.name);
  if (entry.isDirectory()) cpSync(source, path.join(to, entry.name), { recursive: true });
  else if (entry.name.endsWith('.html')) {
    const js = path.join(to, entry.name.replace(/\.html$/, '.js'));
    if (!existsSync(js)) throw new Error(`${entry.name} has no compiled runtime ${path.relative(root, js)}`);
    cpSync(source, path.join(to, entry.name));
  }
}
