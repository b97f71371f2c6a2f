import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../../src/config/childEnvironment.js';

const PARENT = {
  PATH: '/usr/local/bin:/usr/bin',
  LANG: 'en_US.UTF-8',
  LANGUAGE: 'en_US:en',
  LC_ALL: 'C.UTF-8',
  LC_MESSAGES: 'C',
  TZ: 'Europe/Moscow',
  TZDIR: '/usr/share/zoneinfo',
  CHAT2DESK_TOKEN: 'chat2desk-secret-token',
  API_TOKEN: 'api-secret-token-0123456789',
  DATABASE_URL: 'postgres://u:hunter2@db/broadcaster',
  HOME: '/home/broadcaster',
};

describe('childEnvironment', () => {
  it('passes on only what finds programs and picks a locale and a time zone', () => {
    expect(childEnvironment({}, PARENT)).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      LANG: 'en_US.UTF-8',
      LANGUAGE: 'en_US:en',
      LC_ALL: 'C.UTF-8',
      LC_MESSAGES: 'C',
      TZ: 'Europe/Moscow',
      TZDIR: '/usr/share/zoneinfo',
    });
  });

  it('never passes on the engine’s secrets', () => {
    const env = childEnvironment({}, PARENT);

    expect(JSON.stringify(env)).not.toMatch(/secret|hunter2/);
  });

  it('matches whole names only, not names that merely start or end like a forwarded one', () => {
    const env = childEnvironment(
      {},
      { PATHEXT: '.x', MY_PATH: '/x', LANGX: 'x', lc_all: 'x', TZ_OFFSET: '3', LC_: 'x' },
    );

    expect(env).toEqual({});
  });

  it('adds the extra variables given, which win over the parent’s', () => {
    const env = childEnvironment({ LC_ALL: 'en_US.UTF-8', PGDATA: '/data/pg' }, PARENT);

    expect(env).toMatchObject({ LC_ALL: 'en_US.UTF-8', PGDATA: '/data/pg', PATH: PARENT.PATH });
  });

  it('leaves out a variable the parent lists without a value', () => {
    expect(childEnvironment({}, { PATH: '/bin', TZ: undefined })).toEqual({ PATH: '/bin' });
  });

  it('reads the process’s own environment when given no parent', () => {
    expect(childEnvironment().PATH).toBe(process.env.PATH);
    expect(childEnvironment()).not.toHaveProperty('HOME');
  });
});
