// Number formats shared by the plan renderer and the conflict explanation.

const MIB = 2 ** 20;

/** Bytes as MiB (one decimal when needed), or GiB from 1 GiB up: `64 MiB`, `51.2 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / MIB;
  if (mib >= 1024) return `${trim(mib / 1024, 2)} GiB`;
  return `${trim(mib, 1)} MiB`;
}

/** Cores: `0.25 cores`, `1 core`. */
export function formatCpus(cpus: number): string {
  const text = trim(cpus, 3);
  return `${text} ${text === '1' ? 'core' : 'cores'}`;
}

export function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

/** `a`, `a or b`, `a, b or c` */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
