// Numbers in governor messages.
export function gib(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`;
}

export function describe(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
