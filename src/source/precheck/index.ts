export { formatFindings } from './format.js';
export { type FindingProvider, type PrecheckContext, type PrecheckOptions, runPrecheck } from './run.js';
