/**
 * The routing table as the Lua balancer stores it: one fact per line (see
 * sluice_router.lua). Encoding validates what the Lua side would refuse.
 */
import type { RoutingTable } from '../../ports';

const RELEASE = /^[a-z0-9-]+$/;
const ADDRESS = /^\d+\.\d+\.\d+\.\d+:\d+$/;

export function encodeRoutes(table: RoutingTable): string {
  const lines: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`routing table: ${what} cannot be sent to nginx`);
  };
  if (table.preview) {
    check(RELEASE.test(table.preview), `preview release "${table.preview}"`);
    lines.push(`preview ${table.preview}`);
  }
  for (const [release, weight] of Object.entries(table.weights).sort(([a], [b]) => (a < b ? -1 : 1))) {
    check(RELEASE.test(release) && Number.isInteger(weight) && weight >= 0, `weight ${release}=${weight}`);
    lines.push(`weight ${release} ${weight}`);
  }
  for (const peer of table.peers) {
    check(
      RELEASE.test(peer.release) && Number.isInteger(peer.slot) && peer.slot >= 0 && ADDRESS.test(peer.address),
      `peer ${JSON.stringify(peer)}`,
    );
    lines.push(`peer ${peer.release} ${peer.slot} ${peer.address}`);
  }
  return `${lines.join('\n')}\n`;
}

export function decodeRoutes(text: string): RoutingTable {
  const table: RoutingTable = { peers: [], weights: {} };
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'preview' && rest[0]) table.preview = rest[0];
    else if (key === 'weight' && rest.length === 2) table.weights[rest[0]!] = Number(rest[1]);
    else if (key === 'peer' && rest.length === 3) table.peers.push({ release: rest[0]!, slot: Number(rest[1]), address: rest[2]! });
    else throw new Error(`unexpected line in a routing table from nginx: ${line}`);
  }
  return table;
}

/** Same table, whatever the order of peers and weights. */
export function sameTable(a: RoutingTable, b: RoutingTable): boolean {
  const canonical = (t: RoutingTable) => encodeRoutes({ ...t, peers: [...t.peers].sort((x, y) => (x.address < y.address ? -1 : 1)) });
  return canonical(a) === canonical(b);
}
