export type { ContainerRuntime, ContainerStats, EngineInfo, ImageProgress, LogLine, LogOptions } from './types.js';
