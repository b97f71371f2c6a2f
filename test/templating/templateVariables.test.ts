import { describe, expect, it } from 'vitest';
import { templateVariableNames } from '../../src/templating/templateVariables.js';

describe('templateVariableNames', () => {
  it('names the top-level values a template reads, helpers left out, each once', () => {
    expect(
      templateVariableNames([
        "Hi {{firstName}}, since {{formatDate lastPurchase 'd MMMM'}} {{#if vip}}{{vip}}{{/if}} {{appointment.startsAt}}",
        '{{firstName}} {{campaign.name}}',
      ]),
    ).toEqual(['firstName', 'lastPurchase', 'vip', 'appointment', 'campaign']);
  });

  it('gives nothing for an empty source or plain text', () => {
    expect(templateVariableNames(['', 'Hello'])).toEqual([]);
  });
});
