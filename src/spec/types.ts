// The normalised, typed form of turtle.yaml that every other layer codes against.
import type {
  DependsCondition,
  Healthcheck,
  Mount,
  PortBinding,
  Priority,
  Resources,
  RestartPolicy,
  RuntimeKind,
} from '../domain/types.js';

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
  /** percent (1..100) of capacity turtle's services may use */
  budget: { cpu: number; memory: number };
  labels: Record<string, string>;
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** absent: the image's CMD; `[]`: explicitly none */
  command?: string[];
  /** absent: the image's ENTRYPOINT; `[]`: explicitly none */
  entrypoint?: string[];
  env: Record<string, string>;
  ports: PortBinding[];
  mounts: Mount[];
  /** absent: the image's own HEALTHCHECK; `disable: true` gives `{test: ['NONE'], …}` */
  healthcheck?: Healthcheck;
  restart: RestartPolicy;
  dependsOn: Record<string, DependencyCondition>;
  labels: Record<string, string>;
  user?: string;
  readOnly: boolean;
  capDrop: string[];
  priority: Priority;
  resources: Resources;
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
}
