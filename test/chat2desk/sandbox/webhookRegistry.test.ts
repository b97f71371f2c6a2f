import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/chat2desk/sandbox/http.js';
import {
  MAX_WEBHOOKS,
  readWebhookFields,
  WEBHOOK_EVENTS,
  type WebhookFields,
  WebhookRegistry,
} from '../../../src/chat2desk/sandbox/webhookRegistry.js';
import { errorThrownBy } from '../../support/sandboxApi.js';

const T0 = new Date(Date.UTC(2026, 2, 10, 9));
const fields = (over: Partial<WebhookFields> = {}): WebhookFields => ({
  name: 'ours',
  url: 'https://example.com/hook',
  events: ['inbox'],
  channels: null,
  ...over,
});

/** The ApiError `run` throws, for asserting its status, field and message. */
const apiErrorOf = (run: () => unknown): ApiError => errorThrownBy(run, ApiError);

describe('WebhookRegistry', () => {
  it('adds active hooks numbered from 1 and refuses a sixth', () => {
    const registry = new WebhookRegistry();
    for (let i = 0; i < MAX_WEBHOOKS; i++) registry.add(fields({ name: `h${i}` }), T0);
    expect(registry.list().map((h) => h.id)).toEqual([1, 2, 3, 4, 5]);
    expect(registry.get(3)).toMatchObject({ name: 'h2', status: 'active', createdAt: T0, errors: [] });
    const error = apiErrorOf(() => registry.add(fields(), T0));
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(/five/);
  });

  it('never reuses the id of a removed hook, and voids its pending work', () => {
    const registry = new WebhookRegistry();
    const first = registry.add(fields(), T0);
    registry.remove(first);
    expect(registry.get(first.id)).toBeUndefined();
    expect(first.generation).toBe(1);
    expect(registry.add(fields(), T0).id).toBe(2);
  });

  it('picks the active hooks of an event, by channel when the event has one', () => {
    const registry = new WebhookRegistry();
    const everywhere = registry.add(fields({ events: ['inbox', 'outbox'] }), T0);
    const channelTwo = registry.add(fields({ events: ['inbox'], channels: [2] }), T0);
    const off = registry.add(fields({ events: ['inbox'] }), T0);
    registry.switchOff(off, T0);
    expect(registry.activeFor('inbox', 1)).toEqual([everywhere]);
    expect(registry.activeFor('inbox', 2)).toEqual([everywhere, channelTwo]);
    expect(registry.activeFor('inbox', null)).toEqual([everywhere, channelTwo]);
    expect(registry.activeFor('close_dialog', 1)).toEqual([]);
  });

  it('says whether any hook listens for an event, switched-off ones included', () => {
    const registry = new WebhookRegistry();
    expect(registry.anyListensFor('inbox')).toBe(false);
    const hook = registry.add(fields({ events: ['outbox_status'] }), T0);
    registry.switchOff(hook, T0);
    expect(registry.anyListensFor('inbox', 'outbox_status')).toBe(true);
    expect(registry.anyListensFor('inbox')).toBe(false);
  });

  it('re-activates a switched-off hook when it is set again, and clears its failing spell', () => {
    const registry = new WebhookRegistry();
    const hook = registry.add(fields(), T0);
    hook.failingSince = T0;
    registry.switchOff(hook, T0);
    expect(hook).toMatchObject({ status: 'disabled', disabledAt: T0, generation: 1 });
    registry.update(hook, { url: 'https://example.com/new' });
    expect(hook).toMatchObject({
      status: 'active',
      disabledAt: null,
      failingSince: null,
      generation: 2,
      url: 'https://example.com/new',
    });
    registry.update(hook, { name: 'renamed' });
    expect(hook.generation).toBe(2);
  });

  it('keeps the 20 newest delivery errors', () => {
    const registry = new WebhookRegistry();
    const hook = registry.add(fields(), T0);
    for (let i = 0; i < 25; i++) {
      registry.recordError(hook, { at: new Date(T0.getTime() + i), event: 'inbox', message: `e${i}` });
    }
    expect(hook.errors).toHaveLength(20);
    expect(hook.errors[0]!.message).toBe('e5');
    expect(hook.errors.at(-1)!.message).toBe('e24');
  });
});

describe('readWebhookFields', () => {
  it('reads a whole hook, trimming the name, dropping repeated events, channels null by default', () => {
    expect(
      readWebhookFields(
        { name: '  ours ', url: 'https://example.com/h', events: ['inbox', 'outbox', 'inbox'] },
        false,
      ),
    ).toEqual({ name: 'ours', url: 'https://example.com/h', events: ['inbox', 'outbox'], channels: null });
  });

  it('refuses a missing name, URL or event list, naming the field', () => {
    const body = { name: 'ours', url: 'https://example.com/h', events: ['inbox'] };
    expect(apiErrorOf(() => readWebhookFields({ ...body, name: '  ' }, false)).field).toBe('name');
    expect(apiErrorOf(() => readWebhookFields({ ...body, url: '' }, false)).field).toBe('url');
    expect(apiErrorOf(() => readWebhookFields({ ...body, url: 'ftp://example.com' }, false)).message).toBe(
      'url: must be an http or https URL',
    );
    const noEvents = apiErrorOf(() => readWebhookFields({ ...body, events: [] }, false));
    expect(noEvents.field).toBe('events');
    expect(noEvents.message).toContain(WEBHOOK_EVENTS.join(', '));
  });

  it('names an unknown event and refuses channels that are not positive integers', () => {
    const body = { name: 'ours', url: 'https://example.com/h', events: ['inbox', 'message_sent'] };
    expect(apiErrorOf(() => readWebhookFields(body, false)).message).toBe(
      'events: unknown event "message_sent"',
    );
    for (const channels of [[0], ['1'], 1, [1.5]]) {
      const error = apiErrorOf(() => readWebhookFields({ ...body, events: ['inbox'], channels }, false));
      expect(error.message).toBe('channels: must be a list of channel ids');
    }
  });

  it('reads only what a change gives, and channels null as every channel', () => {
    expect(readWebhookFields({}, true)).toEqual({});
    expect(readWebhookFields({ name: 'new' }, true)).toEqual({ name: 'new' });
    expect(readWebhookFields({ channels: null }, true)).toEqual({ channels: null });
    expect(readWebhookFields({ channels: [1, 2] }, true)).toEqual({ channels: [1, 2] });
  });
});
