import { defineConfig } from 'drizzle-kit';

// The PostgreSQL store's migrations (src/store/pg/schema.ts): `npm run db:generate:pg`.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/store/pg/schema.ts', './src/store/pg/log-schema.ts', './src/store/pg/feed-schema.ts', './src/store/pg/sandbox-schema.ts'],
  out: './drizzle/pg',
  strict: true,
  verbose: true,
});
