import { describe, expect, it } from 'vitest';
import { BroadcasterError, ConfigError } from '../src/errors.js';

class ExampleError extends BroadcasterError {}

describe('BroadcasterError', () => {
  it('carries a stable code, the message and the details a user acts on', () => {
    const error = new BroadcasterError('campaign_not_found', 'campaign 7 does not exist', { campaignId: 7 });

    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('campaign_not_found');
    expect(error.message).toBe('campaign 7 does not exist');
    expect(error.details).toEqual({ campaignId: 7 });
  });

  it('has empty details when given none', () => {
    expect(new BroadcasterError('x', 'y').details).toEqual({});
  });

  it('is named after the class actually thrown, so a log line says which error it was', () => {
    expect(new BroadcasterError('x', 'y').name).toBe('BroadcasterError');
    const error = new ExampleError('x', 'y');
    expect(error.name).toBe('ExampleError');
    expect(error).toBeInstanceOf(BroadcasterError);
    expect(String(error)).toBe('ExampleError: y');
  });

  it('keeps the cause it wraps', () => {
    const cause = new Error('socket hang up');

    expect(new BroadcasterError('x', 'y', {}, { cause }).cause).toBe(cause);
  });
});

describe('ConfigError', () => {
  it('names the environment variable in its message and details', () => {
    const error = new ConfigError('RATE_LIMIT_PER_SECOND', 'must be a positive integer');

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('config_invalid');
    expect(error.variable).toBe('RATE_LIMIT_PER_SECOND');
    expect(error.message).toBe('RATE_LIMIT_PER_SECOND: must be a positive integer');
    expect(error.details).toEqual({ variable: 'RATE_LIMIT_PER_SECOND' });
  });
});
