// Turns a turtle endpoint string into docker-modem connection options (pure).
import { ExitCode, TurtleError } from '../../lib/errors.js';

export interface ModemTarget {
  socketPath?: string;
  protocol?: 'http' | 'https';
  host?: string;
  port?: number;
}

/** `unix:///run/docker.sock`, `tcp://10.0.0.2:2375`, `http://host:2375`, `https://host:2376`. */
export function parseEndpoint(endpoint: string): ModemTarget {
  if (endpoint.startsWith('unix://')) {
    const socketPath = endpoint.slice('unix://'.length);
    if (socketPath.startsWith('/')) return { socketPath };
  } else {
    const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
    if (url && ['tcp:', 'http:', 'https:'].includes(url.protocol) && url.hostname) {
      const protocol = url.protocol === 'https:' ? 'https' : 'http';
      const port = url.port ? Number(url.port) : protocol === 'https' ? 2376 : 2375;
      return { protocol, host: url.hostname.replace(/^\[|\]$/g, ''), port };
    }
  }
  throw new TurtleError(`engine endpoint "${endpoint}" is not understood`, {
    exitCode: ExitCode.invalid,
    hint: 'use unix:///path/to/engine.sock, tcp://host:port or http(s)://host:port',
  });
}
