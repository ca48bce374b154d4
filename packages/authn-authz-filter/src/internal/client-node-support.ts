import { createRequire } from 'node:module';

// @kubernetes/client-node 2.x is built on undici 8, which needs Node.js >= 22.19. On an older Node,
// importing it does not merely reject: undici's module body throws a TypeError that ends the process
// with exit code 1 even when the import's rejection is caught (measured on Node 20.20.2). So the
// version is read from client-node's manifest, and an unsupported pair is refused before any import.
const NODE_FOR_CLIENT_NODE_2: readonly [number, number] = [22, 19];

/** Why this client-node cannot run on this Node, with the fix; undefined when it can. */
export function clientNodeProblem(clientNodeVersion: string, nodeVersion: string): string | undefined {
  const clientMajor = Number(clientNodeVersion.split('.')[0]);
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  const [needMajor, needMinor] = NODE_FOR_CLIENT_NODE_2;
  if (!(clientMajor >= 2) || major > needMajor || (major === needMajor && minor >= needMinor))
    return undefined;
  return (
    `@kubernetes/client-node ${clientNodeVersion} needs Node.js >= ${needMajor}.${needMinor} (it is built on undici 8), ` +
    `and this is Node.js ${nodeVersion.replace(/^v/, '')}: install @kubernetes/client-node@^1.4.0, or run Node.js >= ${needMajor}.${needMinor}`
  );
}

/** The version of the client-node this package would import, or undefined when it is not installed. */
export function installedClientNodeVersion(from: string = import.meta.url): string | undefined {
  try {
    const manifest = createRequire(from)('@kubernetes/client-node/package.json') as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
