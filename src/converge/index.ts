export { convergeSite } from './site.js';
export type { ConvergeHooks, ConvergeResult } from './site.js';
export { executeStep, executors } from './executors.js';
export type { ExecContext } from './executors.js';
export { ensureImages, imagesNeeded } from './images.js';
export { waitReady, hasHealthcheck, healthDeadlineMs } from './_wait.js';
