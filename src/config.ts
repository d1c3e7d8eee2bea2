/**
 * Configuration, validated once at start: a bad value stops Ordo with a message naming the
 * variable, never a stack trace. Every variable is described in config/variables.ts; each
 * runtime has its schema: config/node.ts (parseNodeConfig), config/workers.ts
 * (parseWorkersConfig), both extending config/shared.ts. Node-only code is not re-exported
 * here, so that the Worker's bundle stays free of it.
 */
export { ConfigError, type ConfigProblem } from './config/parse.js';
export { parseConfig, type Config } from './config/shared.js';
export { variables, type Runtime, type VariableDoc, type VariableName } from './config/variables.js';
