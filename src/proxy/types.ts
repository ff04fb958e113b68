// The site proxy behind one small interface: which servers a backend has, and adding, draining and
// removing one. Adapters (haproxy/) only translate these to the proxy's own API.

/** One backend server as the proxy reports it. */
export interface ProxyServer {
  backend: string;
  name: string;
  /** the proxy's own view: UP, DOWN, MAINT, DRAIN, `UP 1/2` while checks settle, … */
  status: string;
  /** requests (http) or connections (tcp) it is serving now */
  sessions: number;
  /** `address:port` it forwards to */
  address: string;
}

export interface ServerAddress {
  name: string;
  address: string;
  port: number;
}

export interface SiteProxy {
  /** where it is, for messages */
  readonly where: string;
  /** Every server of every backend. Throws TurtleError (recoverable) when the proxy does not answer. */
  servers(): Promise<ProxyServer[]>;
  /** Adds a server and enables it with its health check; it takes traffic once the proxy's check passes. */
  add(backend: string, server: ServerAddress): Promise<void>;
  /** No new requests go to it; those under way finish. */
  drain(backend: string, name: string): Promise<void>;
  /** Takes it out at once, closing what it still serves, and deletes it. No error if it is gone. */
  remove(backend: string, name: string): Promise<void>;
}
