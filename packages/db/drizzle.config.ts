import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/db/drizzle.config.ts` after a schema change; the SQL
// in drizzle/ is committed and applied by openDb() on every start.
export default defineConfig({
  dialect: 'sqlite',
  schema: './packages/db/src/schema.ts',
  out: './packages/db/drizzle',
  casing: 'snake_case',
});
