// For Prisma's own CLI (`prisma migrate status`, `prisma studio`) where its engines are installed.
// The engine itself applies prisma/migrations with `broadcaster migrate`, into the same history table.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgres://postgres:broadcaster@127.0.0.1:54329/broadcaster',
  },
});
