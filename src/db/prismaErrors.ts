import { Prisma } from './generated/prisma/client.js';

/**
 * Prisma's code for a refused write (P2002 a unique value taken, P2003 a row still referenced, P2025
 * no row left to change), or undefined for any other error.
 */
export function prismaErrorCode(error: unknown): string | undefined {
  return error instanceof Prisma.PrismaClientKnownRequestError ? error.code : undefined;
}

/**
 * For a transaction that deletes: it may wait behind the row locks of an expansion batch or a claim
 * (seconds under load), which Prisma's defaults (2 s to start, 5 s to finish) would turn into a 500.
 */
export const DELETE_TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;
