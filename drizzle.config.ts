import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/store/schema.ts', './src/store/log-schema.ts', './src/store/feed-schema.ts', './src/store/sandbox-schema.ts'],
  out: './drizzle',
  strict: true,
  verbose: true,
});
