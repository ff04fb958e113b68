// The governor: kernel weights, host sampling and the adaptive good-citizen policy.
export { detectVersion, hierarchyWrites, prepareHierarchy, PRIORITIES, WEIGHTS, type CgroupVersion, type PrepareResult } from './cgroups.js';
export { cpuPercent, sampleHost, type HostSample } from './host.js';
export { readTurtleUsage, turtleCores, type TurtleUsage } from './share.js';
export { defaultSettings, initialState, step, type Decision, type GovernorSettings, type GovernorState, type Mode, type Reading } from './controller.js';
export { CgroupActuator, cpuCapWrite, memoryLimitWrite } from './actuators.js';
export { Governor, type GovernorOptions, type GovernorSnapshot } from './governor.js';
export { quietWindow } from './gate.js';
export { cgroupTree, detectLayout, files, localTree, type CgroupTree } from './_paths.js';
export { engineIsLocal, prepareLocalHost } from './prepare.js';
export { registerGovernorMetrics } from './metrics.js';
export { retuneGovernor, startGovernor, type AgentGovernorOptions } from './agent.js';
export { budgetData, budgetSettings, describeBudget, type BudgetDefaults } from './budget.js';
export { describeAgentGovernor, describeLocalGovernor, readLocalGovernor, type LocalGovernor } from './view.js';
