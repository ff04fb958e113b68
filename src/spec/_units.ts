// Compose's value forms: sizes (`256m`), durations (`1m30s`) and shell-like command strings.

/** Raised by the parsers here; field helpers turn it into a located issue. */
export class UnitError extends Error {}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `512k`, `256m`, `1g`, `1.5gb`, `1024b` or a plain number of bytes → bytes (binary units, as Compose). */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new UnitError('expected a whole number of bytes');
    return value;
  }
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) throw new UnitError('expected a size such as 512k, 256m or 1g');
  const unit = SIZE_UNITS[match[2]!.toLowerCase()]!;
  return Math.floor(Number(match[1]) * unit);
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** `20mbit`, `500kbit`, `1.5gbit`, `64000bit` → bits per second (decimal units, as tc). */
export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)(?:\/s)?$/i.exec(value.trim());
  if (!match) {
    const bytes = /^\d+(?:\.\d+)?\s*[kmg]?(bps|b\/s|byte)/i.test(value.trim());
    throw new UnitError(bytes ? 'expected a rate in bits such as 20mbit (tc reads "mbps" as megabytes a second: write 8 times the number in mbit)' : 'expected a rate such as 20mbit, 500kbit or 1gbit');
  }
  return Math.round(Number(match[1]) * RATE_UNITS[match[2]!.toLowerCase()]!);
}

/** Bits per second as tc and people read them: `20mbit`, `1.5gbit`, `640kbit`. */
export function formatRate(bits: number): string {
  for (const [unit, n] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (bits >= n) return `${Number((bits / n).toFixed(2))}${unit}`;
  return `${bits}bit`;
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };

/** `1m30s`, `500ms`, `10s`, `1h` → milliseconds (rounded). Plain numbers are refused: the unit is ambiguous. */
export function parseDuration(value: string): number {
  const text = value.trim();
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(text); m !== null; m = part.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    matched = part.lastIndex;
  }
  if (text === '' || matched !== text.length) throw new UnitError('expected a duration such as 500ms, 10s or 1m30s');
  return Math.round(total);
}

/** Split a command string into words like a POSIX shell (quotes and backslashes), as Compose does. */
export function splitShell(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new UnitError(`unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** 268435456 → `256 MiB`, for budget messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number(value.toFixed(1))} ${units[i]}`;
}

/** 0.30000000000000004 → 0.3, for CPU sums in messages. */
export function formatNumber(n: number): string {
  return String(Number(n.toFixed(3)));
}
