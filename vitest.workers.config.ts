/** The tests inside workerd over a local D1 (vitest.workers.shared.ts). */
import { workersProject } from './vitest.workers.shared.js';

export default workersProject({ name: 'workers', include: ['test/workers/**/*.test.ts'], setupFiles: ['./test/workers/apply-migrations.ts'], hyperdrive: false });
