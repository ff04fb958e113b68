// The normalised, typed form of turtle.yaml that every other layer codes against.
import type { ContainerConfig, DependsCondition, RuntimeKind } from '../domain/types.js';

export type SiteRole = 'edge' | 'observer';
export type DependencyCondition = DependsCondition;

export interface SiteSpec {
  name: string;
  role: SiteRole;
  runtime: RuntimeKind;
  /** engine API address: `unix:///path`, `tcp://host:port` or `http(s)://host:port` */
  engine: string;
  /** URL of this site's turtle agent */
  agent?: string;
  /** what the host has; `{cpus: 0, memory: 0}` on observer sites, which run nothing */
  capacity: { cpus: number; /** bytes */ memory: number };
  /** percent (1..100) of capacity turtle's services may use; `floor`: bytes of MemAvailable the host always keeps */
  budget: { cpu: number; memory: number; floor?: number };
  labels: Record<string, string>;
}

/** A service as written (overlays applied by servicesForSite); its container fields are the domain's. */
export interface ServiceSpec extends ContainerConfig {
  name: string;
  /** sites this service runs on, in the order written (default: every edge site, in file order) */
  sites: string[];
  replicas: number;
}

export interface Spec {
  version: 1;
  project: string;
  sites: Record<string, SiteSpec>;
  /** base services, before any overlay; use servicesForSite() for what a site runs */
  services: Record<string, ServiceSpec>;
  /** path of the file the spec was read from (as given) */
  file: string;
  /**
   * Per-site services after their overlay (`overlays[site][service]`), only where an overlay exists.
   * Plain data so a cloned Spec keeps working; read it through servicesForSite().
   */
  overlays?: Record<string, Record<string, ServiceSpec>>;
  /** the rollout policy as written (defaults filled in by rolloutPolicy()); absent when not written */
  rollout?: Partial<RolloutPolicy>;
}

/** How a deployment moves across sites (spec `rollout`). */
export interface RolloutPolicy {
  /** every edge site, canary first */
  order: string[];
  bakeMs: number;
  onFailure: 'rollback' | 'halt';
  unreachable: 'wait' | 'skip';
  waitTimeoutMs: number;
}
