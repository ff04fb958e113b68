// Where an engine endpoint points (pure).

/** A `unix://` socket is an engine on this very host: its routes, cgroups and firewall are this host's. */
export function isLocalEngine(endpoint: string): boolean {
  return endpoint.startsWith('unix://');
}
