// HAProxy 2.6 runtime API commands (the stats socket at `level admin`), built as plain strings.
import type { ServerAddress } from '../types.js';

/** How often HAProxy checks a server it was given, and how many checks turn it up or down. */
export const CHECK = { interMs: 500, rise: 1, fall: 2 } as const;

export const commands = {
  /** Dynamic servers start in maintenance, with checks off, and take nothing from `default-server`. */
  addServer: (backend: string, s: ServerAddress) =>
    `add server ${backend}/${s.name} ${s.address}:${s.port} check inter ${CHECK.interMs}ms rise ${CHECK.rise} fall ${CHECK.fall}`,
  enableHealth: (backend: string, name: string) => `enable health ${backend}/${name}`,
  enableServer: (backend: string, name: string) => `enable server ${backend}/${name}`,
  drain: (backend: string, name: string) => `set server ${backend}/${name} state drain`,
  maint: (backend: string, name: string) => `set server ${backend}/${name} state maint`,
  shutdownSessions: (backend: string, name: string) => `shutdown sessions server ${backend}/${name}`,
  delServer: (backend: string, name: string) => `del server ${backend}/${name}`,
  /** CSV of every server (type 4) of every proxy (-1). */
  serverStats: () => 'show stat -1 4 -1',
} as const;

/** What a successful command answers; anything else is HAProxy's error message. */
export const SUCCESS: Record<keyof typeof commands, RegExp> = {
  addServer: /^New server registered\.?\s*$/,
  enableHealth: /^\s*$/,
  enableServer: /^\s*$/,
  drain: /^\s*$/,
  maint: /^\s*$/,
  shutdownSessions: /^\s*$/,
  delServer: /^Server deleted\.?\s*$/,
  serverStats: /^# pxname,/,
};
