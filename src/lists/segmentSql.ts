import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import type { CompareOp, SegmentField, SegmentFilter } from './segmentFilter.js';

type Queryable = Sql | postgres.TransactionSql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** A numeric attribute is one whose text is a plain decimal number; any other value is no number. */
const NUMERIC_TEXT = '^-?[0-9]+(\\.[0-9]+)?$';

/**
 * The filter as a SQL condition over the contacts table aliased `alias`: every value a parameter,
 * every column from a fixed list, attribute names as parameters of `->>`. Each condition is false,
 * never null, where its field is missing — so `city != "Moscow"` and `not city in (…)` include the
 * contacts without a city, as a reader of the filter expects.
 */
export function segmentCondition(
  sql: Queryable,
  filter: SegmentFilter,
  options: { alias: string; now: Date },
): Fragment {
  const a = sql(options.alias);
  const join = (parts: Fragment[], word: 'and' | 'or'): Fragment =>
    parts.reduce((all, part) => (word === 'and' ? sql`${all} and ${part}` : sql`${all} or ${part}`));
  const text = (field: SegmentField): Fragment =>
    'column' in field
      ? field.column === 'name'
        ? sql`${a}.name`
        : field.column === 'phone'
          ? sql`${a}.phone`
          : sql`${a}.timezone`
      : 'time' in field
        ? sql`${a}.${sql(field.time)}::text`
        : sql`(${a}.attributes ->> ${field.attribute}::text)`;
  const number = (field: SegmentField): Fragment => {
    const value = text(field);
    return sql`(case when ${value} ~ ${NUMERIC_TEXT} then (${value})::numeric end)`;
  };
  const leaf = (condition: Fragment): Fragment => sql`coalesce((${condition}), false)`;

  const compile = (f: SegmentFilter): Fragment => {
    switch (f.kind) {
      case 'and':
      case 'or':
        return sql`(${join(f.parts.map(compile), f.kind)})`;
      case 'not':
        return sql`not (${compile(f.part)})`;
      case 'consent':
        return f.value === 'opted_in'
          ? sql`(${a}.opted_out_at is null and ${a}.opted_in_at is not null)`
          : f.value === 'opted_out'
            ? sql`(${a}.opted_out_at is not null)`
            : sql`(${a}.opted_out_at is null and ${a}.opted_in_at is null)`;
      case 'empty':
        return 'time' in f.field
          ? sql`(${a}.${sql(f.field.time)} is null)`
          : sql`(coalesce(${text(f.field)}, '') = '')`;
      case 'contactedWithin': {
        const since = new Date(options.now.getTime() - f.seconds * 1000);
        return sql`exists (
          select 1 from deliveries d
          where d.contact_id = ${a}.id and d.sent_at >= ${since} and d.state in ('sent', 'delivered', 'read'))`;
      }
      case 'in': {
        const numbers = f.values.every((v) => typeof v === 'number');
        return numbers
          ? leaf(sql`${number(f.field)} = any(${f.values as number[]}::numeric[])`)
          : leaf(sql`${text(f.field)} = any(${f.values.map(String)}::text[])`);
      }
      case 'compare':
        return leaf(comparison(sql, f.field, f.op, f.value, { text, number, alias: a }));
    }
  };
  return compile(filter);
}

function comparison(
  sql: Queryable,
  field: SegmentField,
  op: CompareOp,
  value: string | number,
  parts: {
    text: (f: SegmentField) => Fragment;
    number: (f: SegmentField) => Fragment;
    alias: postgres.Helper<string>;
  },
): Fragment {
  // ICU folds case in any script; the database's own lower() may know only ASCII (a C locale).
  if (op === 'contains')
    return sql`strpos(lower(${parts.text(field)} collate "und-x-icu"), lower(${String(value)}::text collate "und-x-icu")) > 0`;
  if (op === 'startswith')
    return sql`left(${parts.text(field)}, ${String(value).length}::int) = ${String(value)}::text`;
  // Times compare as instants, numbers as numbers, everything else as text.
  const [left, right] =
    'time' in field
      ? [sql`${parts.alias}.${sql(field.time)}`, sql`${new Date(value as string)}::timestamptz`]
      : typeof value === 'number'
        ? [parts.number(field), sql`${value}::numeric`]
        : [parts.text(field), sql`${value}::text`];
  switch (op) {
    case '=':
      return sql`${left} = ${right}`;
    case '!=':
      return sql`${left} is distinct from ${right}`;
    case '<':
      return sql`${left} < ${right}`;
    case '<=':
      return sql`${left} <= ${right}`;
    case '>':
      return sql`${left} > ${right}`;
    case '>=':
      return sql`${left} >= ${right}`;
  }
}
