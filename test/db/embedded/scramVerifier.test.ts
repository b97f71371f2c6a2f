import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scramSha256Verifier } from '../../../src/db/embedded/scramVerifier.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** The SCRAM-SHA-256 exchange of RFC 7677, section 3: user "user", password "pencil". */
const RFC7677 = {
  password: 'pencil',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  authMessage:
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientProof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

function parts(verifier: string) {
  const [, iterations, salt, storedKey, serverKey] = VERIFIER.exec(verifier) ?? [];
  return {
    iterations: Number(iterations),
    salt: Buffer.from(salt!, 'base64'),
    storedKey: Buffer.from(storedKey!, 'base64'),
    serverKey: Buffer.from(serverKey!, 'base64'),
  };
}

describe('scramSha256Verifier', () => {
  it('makes the keys a server checks the RFC 7677 exchange with', () => {
    const { storedKey, serverKey } = parts(scramSha256Verifier(RFC7677.password, RFC7677.salt, 4096));

    // The server's side of the exchange: its signature, and the client key recovered from the proof.
    const serverSignature = createHmac('sha256', serverKey).update(RFC7677.authMessage).digest('base64');
    expect(serverSignature).toBe(RFC7677.serverSignature);
    const clientSignature = createHmac('sha256', storedKey).update(RFC7677.authMessage).digest();
    const proof = Buffer.from(RFC7677.clientProof, 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest()).toEqual(storedKey);
  });

  it('is written the way PostgreSQL stores it, with 4096 iterations and a random 16-byte salt by default', () => {
    const first = scramSha256Verifier('same-password');
    const second = scramSha256Verifier('same-password');

    expect(first).toMatch(VERIFIER);
    expect(parts(first).iterations).toBe(4096);
    expect(parts(first).salt).toHaveLength(16);
    expect(parts(first).storedKey).toHaveLength(32);
    expect(parts(first).serverKey).toHaveLength(32);
    expect(first).not.toBe(second);
  });

  it('is the same for the same password, salt and iterations, and differs with any of them', () => {
    const salt = randomBytes(16);
    const verifier = scramSha256Verifier('password-a', salt, 4096);

    expect(scramSha256Verifier('password-a', salt, 4096)).toBe(verifier);
    expect(scramSha256Verifier('password-b', salt, 4096)).not.toBe(verifier);
    expect(scramSha256Verifier('password-a', randomBytes(16), 4096)).not.toBe(verifier);
    expect(parts(scramSha256Verifier('password-a', salt, 5000)).iterations).toBe(5000);
  });

  it('never contains the password', () => {
    const password = randomBytes(32).toString('base64url');

    expect(scramSha256Verifier(password)).not.toContain(password);
  });
});

describe('a verifier given to ALTER ROLE … PASSWORD', () => {
  let db: TestDatabase;
  const role = `scram_verifier_${randomBytes(4).toString('hex')}`;
  let created = false;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (created) await db.sql.unsafe(`drop role if exists ${role}`);
    await db.drop();
  });

  it('is stored by PostgreSQL as it is, not hashed again as if it were a password', async (context) => {
    // Creating a role and reading pg_authid take a superuser: the machine's PostgreSQL in CI; the
    // embedded server's tests connect as its owner role, which may do neither.
    const [me] = await db.sql<
      { superuser: boolean }[]
    >`select rolsuper as superuser from pg_roles where rolname = current_user`;
    if (!me?.superuser) context.skip('the test database user is not a superuser (embedded PostgreSQL)');
    const verifier = scramSha256Verifier(randomBytes(32).toString('base64url'));
    await db.sql.unsafe(`create role ${role} password '${verifier}'`);
    created = true;

    const [row] = await db.sql<{ rolpassword: string }[]>`
      select rolpassword from pg_authid where rolname = ${role}`;
    expect(row!.rolpassword).toBe(verifier);
  });
});
