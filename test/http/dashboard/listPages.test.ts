import { describe, expect, it } from 'vitest';
import { listsPage } from '../../../src/http/dashboard/listPages.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

describe('listsPage', () => {
  it('keeps the segment asked for in its fields, escaped, with its count', () => {
    const out = listsPage(uiFor({ 'accept-language': 'ru' }), {
      items: [{ id: 1, name: 'vip', description: null, memberCount: 1_000_000, createdAt: new Date() }],
      total: 1,
      page: 1,
      pageSize: 50,
      csrf: undefined,
      segment: {
        list: 'vip',
        where: 'city = "<x>"',
        count: { members: 1_000_000, matching: 250_000, optedIn: 200_000 },
      },
    }).value;
    expect(out).toContain('<option value="vip" selected>vip</option>');
    expect(out).toContain('city = &quot;&lt;x&gt;&quot;</textarea>');
    expect(out).toMatch(/250\s000 из 1\s000\s000 контактов/);
  });
});
