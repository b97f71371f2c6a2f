import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../src/contacts/importReport.js';
import { withImportLinks } from '../../../src/http/api/imports.js';
import { useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase();

interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> };
}
interface ImportPage {
  items: Array<{ id: number; kind: string }>;
  total: number;
  limit: number;
  offset: number;
}

async function importContacts(csv: string): Promise<number> {
  const answer = await server.call<{ importId: number }>('POST', '/api/v1/contacts/import', {
    body: csv,
    contentType: 'text/csv',
  });
  expect(answer.status).toBe(200);
  return answer.body.importId;
}

async function importAppointments(csv: string): Promise<number> {
  const answer = await server.call<{ importId: number }>('POST', '/api/v1/appointments/import', {
    body: csv,
    contentType: 'text/csv',
  });
  expect(answer.status).toBe(200);
  return answer.body.importId;
}

describe('withImportLinks', () => {
  it('adds where the import, its issues and its rejected rows are, keeping the report', () => {
    const report = { importId: 42, rows: 3, inserted: 3 } as ImportReport;
    expect(withImportLinks(report)).toEqual({
      importId: 42,
      rows: 3,
      inserted: 3,
      links: {
        import: '/api/v1/imports/42',
        issues: '/api/v1/imports/42/issues',
        rejectedRows: '/api/v1/imports/42/rejects.csv',
      },
    });
  });
});

describe('the imports routes', () => {
  it('list imports newest first, a page at a time, and by kind', async () => {
    const first = await importContacts('phone\n79996000001\n');
    const second = await importAppointments(
      'external_id,phone,starts_at\nA-1,79996000002,2026-12-01T10:00:00+03:00\n',
    );
    const third = await importContacts('phone\n79996000003\n');

    const all = await server.call<ImportPage>('GET', '/api/v1/imports?limit=2');
    expect(all.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(all.body.items.map((i) => i.id)).toEqual([third, second]);
    const rest = await server.call<ImportPage>('GET', '/api/v1/imports?limit=2&offset=2');
    expect(rest.body.items.map((i) => i.id)).toEqual([first]);
    const appointments = await server.call<ImportPage>('GET', '/api/v1/imports?kind=appointments');
    expect(appointments.body.items.map((i) => [i.id, i.kind])).toEqual([[second, 'appointments']]);
    expect(appointments.body.total).toBe(1);
  });

  it('refuse an unknown kind, for imports and for issues', async () => {
    const id = await importContacts('phone\n79996000004\n');
    expect((await server.call('GET', '/api/v1/imports?kind=lists')).status).toBe(400);
    expect((await server.call('GET', `/api/v1/imports/${id}/issues?kind=error`)).status).toBe(400);
  });

  it('answer a clean import with no issues and a rejected-rows CSV of the header alone', async () => {
    const id = await importContacts('phone,name\n79996000005,Clean\n');
    const issues = await server.call<ImportPage>('GET', `/api/v1/imports/${id}/issues`);
    expect(issues.body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
    const csv = await server.call('GET', `/api/v1/imports/${id}/rejects.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="import-${id}-rejected-rows.csv"`,
    );
    expect(csv.text.trimEnd()).toBe('rejected_line,rejected_reason,phone,name');
  });

  it('answer 404 import_not_found, naming the import, on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/imports/987654'],
      ['GET', '/api/v1/imports/987654/issues'],
      ['GET', '/api/v1/imports/987654/rejects.csv'],
      ['DELETE', '/api/v1/imports/987654'],
    ] as const) {
      const answer = await server.call<ErrorAnswer>(method, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error, path).toMatchObject({
        code: 'import_not_found',
        details: { importId: 987654 },
      });
    }
  });

  it('delete the record of an import and keep the contacts it imported', async () => {
    const id = await importContacts('phone\n79996000006\n');
    expect((await server.call('DELETE', `/api/v1/imports/${id}`)).status).toBe(204);
    expect((await server.call('GET', `/api/v1/imports/${id}`)).status).toBe(404);
    const [contact] = await db.sql`select count(*)::int as n from contacts where phone = '79996000006'`;
    expect(contact?.n).toBe(1);
  });
});
