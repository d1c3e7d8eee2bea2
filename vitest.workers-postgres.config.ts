/** The tests inside workerd over PostgreSQL through a local Hyperdrive binding (vitest.workers.shared.ts). */
import { workersProject } from './vitest.workers.shared.js';

export default workersProject({ name: 'workers-postgres', include: ['test/workers-postgres/**/*.test.ts'], setupFiles: [], hyperdrive: true });
