// Placement and limits optimiser: build -> solve -> explain.
export { optimise, exportLp } from './optimise.js';
export type { OptimiseOptions } from './optimise.js';
export { renderPlan, describeChange, describeBinding } from './render.js';
export { toOverlays } from './overlays.js';
export type { Overlay } from './overlays.js';
export { validateInput } from './validate.js';
export { inputFromSpec, DEFAULT_OVERHEAD } from './from-spec.js';
export type { SpecAdapterOptions } from './from-spec.js';
export { PRIORITY_WEIGHT } from './build.js';
export type {
  Amount, Binding, Change, Conflict, CurrentPlacement, OptimiseInput, OptimiseResult, OptimiseService,
  OptimiseSite, OptimiseStatus, Placement, SiteRole, SiteUsage, SolveOptions,
} from './types.js';
