import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, failureLine as failure, runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
});

afterAll(async () => {
  await db?.drop();
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, env);
}

describe('broadcaster lists', () => {
  it('says how to make a list when there is none', async () => {
    const result = await cli('lists');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('No lists yet');
  });

  it('creates a list, and refuses a name already taken', async () => {
    const created = await cli('lists', 'create', 'vip', '--description', 'Loyalty card', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'vip',
      description: 'Loyalty card',
      memberCount: 0,
    });

    expect(failure(await cli('lists', 'create', 'vip'), 1)).toMatch(/^broadcaster lists: .*vip.*exists/);
    expect(failure(await cli('lists', 'create'), 2)).toBe('broadcaster lists: lists create: missing NAME');
    expect(failure(await cli('lists', 'remove', 'vip'), 2)).toMatch(/unknown subcommand "remove"/);
  });

  it('lists every list with its member count, as a table and with --json', async () => {
    await db.sql`insert into contacts (phone) values ('79010000001'), ('79010000002')`;
    await db.sql`insert into list_members (list_id, contact_id)
                 select l.id, c.id from lists l, contacts c where l.name = 'vip'`;

    const table = await cli('lists');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/ID\s+NAME\s+MEMBERS\s+DESCRIPTION/);
    expect(table.stdout).toMatch(/vip\s+2\s+Loyalty card/);

    const json = JSON.parse((await cli('lists', '--json')).stdout);
    expect(json).toMatchObject({ total: 1, items: [{ name: 'vip', memberCount: 2 }] });
  });
});
