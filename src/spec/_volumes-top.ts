// The top-level `volumes:` as Compose writes it, and what a service's named volume becomes on the engine.
// A declared volume belongs to the project (`<project>_<key>`, as Compose names it) unless it is
// `external` or has a `name`; an undeclared one (turtle specs before top-level volumes existed) keeps its
// bare name, so upgrading never swaps a service's data for an empty volume. Validation notes that case.
import { z } from 'zod';
import type { Mount } from '../domain/types.js';
import type { Problem } from './_problems.js';
import type { Spec, VolumeDef } from './types.js';
import { keyValues } from './_collections.js';
import { bool, doc, fail, isMap, obj, str } from './_fields.js';
import { externalFlag, namedSection } from './_sections.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const external = externalFlag('VOLUME');

export const volumeDefShape = {
  name: doc(str({ pattern: VOLUME_NAME, rule: 'letters, digits, _, . and -, starting with a letter or digit' }).optional(), {
    description: 'The engine\'s name of the volume.', type: 'string', default: '<project>_<key>', example: 'shared-media',
  }),
  driver: doc(str().optional(), { description: 'The volume driver.', type: 'string', default: 'local', example: 'local' }),
  driver_opts: doc(keyValues('label').optional(), { description: 'Options for the driver (for `local`: type, device, o).', type: 'map', default: '{}', example: '{ type: tmpfs, device: tmpfs, o: size=64m }' }),
  external: doc(external.optional(), { description: 'Made outside turtle: used by its name, never created with options or removed.', type: 'boolean', default: 'false', example: 'true' }),
  labels: doc(keyValues('label').optional(), { description: 'Labels on the volume.', type: 'map | list of "KEY=VALUE"', default: '{}' }),
};

const volumeEntry = z
  .unknown()
  .transform((v) => (v === null || v === undefined ? {} : v))
  .pipe(obj(volumeDefShape, { extensions: true }))
  .transform((v): VolumeDef => {
    const name = v.name ?? v.external?.name;
    return {
      ...(name !== undefined ? { name } : {}),
      external: v.external?.external ?? false,
      ...(v.driver !== undefined && v.driver !== 'local' ? { driver: v.driver } : {}),
      driverOpts: v.driver_opts ?? {},
      labels: v.labels ?? {},
    };
  });

/** Top-level `volumes:`: key → definition (an empty entry is a local volume of the project). */
export const volumesSection = namedSection('volume', VOLUME_NAME, 'driver, driver_opts, external, name, labels', volumeEntry);

/** The engine's name of a declared volume. */
export function volumeName(project: string, key: string, def: VolumeDef): string {
  return def.name ?? (def.external ? key : `${project}_${key}`);
}

/**
 * Named volumes of the services (and overlays) in the engine's names, with the driver options of the
 * declared ones; when the spec declares volumes, an undeclared one is an error as in Compose, else a note.
 */
export function resolveVolumes(spec: Spec, problems: Problem[]): void {
  const declared = spec.volumes;
  const noted = new Set<string>();
  const resolve = (mounts: Mount[], path: (string | number)[]): Mount[] =>
    mounts.map((m, i) => {
      if (m.type !== 'volume' || m.source === undefined) return m;
      const def = declared?.[m.source];
      if (def) return { ...m, source: volumeName(spec.project, m.source, def), ...(def.external ? { external: true as const } : def.driver || Object.keys(def.driverOpts).length || Object.keys(def.labels).length ? { volume: volumeOptions(def) } : {}) };
      if (declared) problems.push({ path: [...path, i], message: `volume \`${m.source}\` is not declared under the top-level \`volumes:\``, hint: `add it there (volumes: { ${m.source}: {} }), as Compose requires` });
      else if (!noted.has(m.source)) {
        noted.add(m.source);
        problems.push({ path: [...path, i], note: true, message: `volume \`${m.source}\` is used by its bare name, so another project on the site writing \`${m.source}\` shares it`, hint: `declare it under a top-level \`volumes:\` to make it this project's own (${spec.project}_${m.source}; move the data first if it has some)` });
      }
      return m;
    });
  for (const s of Object.values(spec.services)) s.mounts = resolve(s.mounts, ['services', s.name, 'volumes']);
  for (const [site, services] of Object.entries(spec.overlays ?? {}))
    for (const [name, s] of Object.entries(services)) if (s.mounts) s.mounts = resolve(s.mounts, ['overlays', site, 'services', name, 'volumes']);
}

function volumeOptions(def: VolumeDef): NonNullable<Mount['volume']> {
  return { ...(def.driver ? { driver: def.driver } : {}), driverOpts: def.driverOpts, labels: def.labels };
}
