// Reads HAProxy's `show stat` CSV into the servers it lists.
import type { ProxyServer } from '../types.js';

export function parseServerStats(csv: string): ProxyServer[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  const [px, sv, scur, status, addr] = [col('pxname'), col('svname'), col('scur'), col('status'), col('addr')];
  return lines.map((line) => {
    const f = line.split(',');
    return { backend: f[px] ?? '', name: f[sv] ?? '', status: f[status] ?? '', sessions: Number(f[scur] ?? 0), address: f[addr] ?? '' };
  }).filter((s) => s.name !== 'BACKEND' && s.name !== 'FRONTEND');
}
