import { Timekeeper } from '../scheduler/timekeeper.js';
import type { EngineParts } from './engineParts.js';

/** The scheduler role: the timekeeper that turns schedules into campaign runs. */
export function startSchedulerRole(parts: EngineParts): Timekeeper {
  const timekeeper = new Timekeeper({
    sql: parts.db.sql,
    clock: parts.clock,
    logger: parts.logger,
    ...(parts.config.retentionDays !== undefined ? { retentionDays: parts.config.retentionDays } : {}),
  });
  timekeeper.start();
  parts.addStop(() => timekeeper.stop());
  return timekeeper;
}
