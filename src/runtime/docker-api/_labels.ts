// turtle's ownership labels: written on create, read back by list/inspect (pure).
import { Label, type ContainerSpec } from '../../domain/types.js';

/** The user's labels plus turtle's own; turtle's win, so a spec can never forge ownership. */
export function containerLabels(spec: ContainerSpec): Record<string, string> {
  return {
    ...spec.labels,
    [Label.managed]: 'true',
    [Label.project]: spec.project,
    [Label.site]: spec.site,
    [Label.service]: spec.service,
    [Label.replica]: String(spec.replica),
    [Label.configHash]: spec.configHash,
    [Label.priority]: spec.priority,
  };
}

/** Engine label filter selecting exactly the containers turtle owns in `project`. */
export function projectFilter(project: string): { label: string[] } {
  return { label: [`${Label.managed}=true`, `${Label.project}=${project}`] };
}
