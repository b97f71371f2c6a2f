/** Why a phone was refused, for per-row error reports. */
export type PhoneProblem = 'empty' | 'invalid_characters' | 'too_short' | 'too_long' | 'missing_country_code';

export type NormalisedPhone =
  | { ok: true; digits: string }
  | { ok: false; problem: PhoneProblem; message: string };

/**
 * A phone as people write it (`+7 (999) 000-11-22`, `8 999 000 11 22`, `0049 30 1234567`) turned into
 * what Chat2Desk takes: digits with the country code. Spaces, dashes, dots, brackets and a leading `+`
 * are tolerated; a leading `00` is the international prefix; an 11-digit number starting with 8 is
 * Russia's national form of +7. The result has 10–15 digits (E.164) and does not start with 0.
 */
export function normalisePhone(raw: string | null | undefined): NormalisedPhone {
  const text = (raw ?? '').trim();
  if (text === '') return refuse('empty', 'the phone is empty');
  if (!/^\+?[\d\s\-().]+$/.test(text)) {
    return refuse(
      'invalid_characters',
      'a phone may hold only digits, spaces, dashes, dots, brackets and a leading +',
    );
  }
  let digits = text.replace(/\D/g, '');
  if (!text.startsWith('+')) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    else if (digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`;
  }
  if (digits.startsWith('0'))
    return refuse('missing_country_code', 'the phone needs its country code (e.g. +7…)');
  if (digits.length < 10)
    return refuse('too_short', `the phone has ${digits.length} digits; at least 10 with the country code`);
  if (digits.length > 15) return refuse('too_long', `the phone has ${digits.length} digits; at most 15`);
  return { ok: true, digits };
}

function refuse(problem: PhoneProblem, message: string): NormalisedPhone {
  return { ok: false, problem, message };
}
