import { describe, expect, it } from 'vitest';
import {
  type AppointmentInput,
  AppointmentInputError,
  appointmentInputIssues,
} from '../../src/appointments/appointmentInput.js';

const valid: AppointmentInput = {
  externalId: 'visit-1',
  phone: '79161234567',
  startsAt: new Date('2026-12-01T09:00:00Z'),
};

describe('appointmentInputIssues', () => {
  it('finds nothing wrong with a complete appointment, or one with every optional field set', () => {
    expect(
      appointmentInputIssues([
        valid,
        {
          ...valid,
          externalId: 'visit-2',
          timezone: 'Europe/Moscow',
          status: 'rescheduled',
          attributes: { doctor: 'Ivanova' },
          contactName: 'Ann',
        },
        { ...valid, externalId: 'visit-3', timezone: null, status: 'cancelled', attributes: {} },
      ]),
    ).toEqual([]);
  });

  it('names each field that is wrong, with the position and id of its appointment', () => {
    const issues = appointmentInputIssues([
      valid,
      {
        externalId: 'visit-2',
        phone: '+7 916 123-45-67',
        startsAt: new Date('not a date'),
        timezone: 'Mars/Olympus',
        status: 'done' as never,
        attributes: ['a'] as never,
      },
    ]);

    expect(issues).toEqual([
      {
        index: 1,
        externalId: 'visit-2',
        field: 'phone',
        message: 'must be 7 to 15 digits with the country code',
      },
      { index: 1, externalId: 'visit-2', field: 'startsAt', message: 'must be a valid time' },
      {
        index: 1,
        externalId: 'visit-2',
        field: 'timezone',
        message: '"Mars/Olympus" is not an IANA time zone',
      },
      {
        index: 1,
        externalId: 'visit-2',
        field: 'status',
        message: 'must be one of booked, cancelled, rescheduled',
      },
      {
        index: 1,
        externalId: 'visit-2',
        field: 'attributes',
        message: 'must be an object of template variables',
      },
    ]);
  });

  it('requires an external id of at most 200 characters', () => {
    const issues = appointmentInputIssues([
      { ...valid, externalId: '  ' },
      { ...valid, externalId: undefined as never },
      { ...valid, externalId: 'x'.repeat(200) },
      { ...valid, externalId: 'x'.repeat(201) },
    ]);

    expect(issues).toEqual([
      { index: 0, externalId: '  ', field: 'externalId', message: 'is required' },
      { index: 1, externalId: null, field: 'externalId', message: 'is required' },
      {
        index: 3,
        externalId: 'x'.repeat(201),
        field: 'externalId',
        message: 'is longer than 200 characters',
      },
    ]);
  });

  it('takes phones of 7 to 15 digits only', () => {
    const phones = ['1234567', '123456789012345', '123456', '1234567890123456', '', 79161234567 as never];

    const issues = appointmentInputIssues(
      phones.map((phone, i) => ({ ...valid, externalId: `p${i}`, phone })),
    );

    expect(issues.map((issue) => issue.index)).toEqual([2, 3, 4, 5]);
  });

  it('refuses a start time given as text, and attributes given as null or a scalar', () => {
    const issues = appointmentInputIssues([
      { ...valid, startsAt: '2026-12-01T09:00:00Z' as never },
      { ...valid, attributes: null as never },
      { ...valid, attributes: 'vip' as never },
    ]);

    expect(issues.map((issue) => `${issue.index}:${issue.field}`)).toEqual([
      '0:startsAt',
      '1:attributes',
      '2:attributes',
    ]);
  });
});

describe('AppointmentInputError', () => {
  it('says what is wrong with the first appointment and how many more problems there are', () => {
    const issues = appointmentInputIssues([
      { ...valid, phone: 'abc' },
      { ...valid, externalId: '', status: 'gone' as never },
    ]);

    const error = new AppointmentInputError(issues);

    expect(error.message).toBe(
      'invalid appointment: appointment visit-1: phone must be 7 to 15 digits with the country code (and 2 more)',
    );
    expect(error.code).toBe('appointment_invalid');
    expect(error.issues).toBe(issues);
  });

  it('names an appointment without an id by its position', () => {
    const error = new AppointmentInputError(
      appointmentInputIssues([valid, { ...valid, externalId: undefined as never }]),
    );

    expect(error.message).toBe('invalid appointment: appointment #2: externalId is required');
  });

  // Bug: an empty (or blank) externalId is kept as '' in the issue, and `??` does not fall back on
  // it, so the message reads "appointment : externalId is required" instead of naming #2.
  it('names an appointment whose id is empty by its position', () => {
    const error = new AppointmentInputError(appointmentInputIssues([valid, { ...valid, externalId: '' }]));

    expect(error.message).toBe('invalid appointment: appointment #2: externalId is required');
  });
});
