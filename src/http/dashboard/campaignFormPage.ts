import { TRANSPORTS } from '../../campaigns/definition.js';
import { CAMPAIGN_PURPOSES } from '../../messages/consent.js';
import type { CampaignCheck } from './campaignCheck.js';
import { type CampaignForm, type CampaignFormField, keptFieldNames } from './campaignForm.js';
import { html, type SafeHtml } from './html.js';
import { timeZoneNames } from './settingsPage.js';
import { type Ui, wallClockText } from './ui.js';

/** A channel the account has, as GET /v1/channels lists it. */
export interface ChannelChoice {
  id: number;
  name: string;
  transports: readonly string[];
}

export interface CampaignFormPageInput {
  form: CampaignForm;
  /** Where the form posts: /campaigns/new or /campaigns/:id/edit. */
  action: string;
  csrf: string;
  /** Problems at their fields; `general` for those of the campaign as a whole. */
  errors: ReadonlyMap<CampaignFormField | 'general', readonly string[]>;
  lists: ReadonlyArray<{ name: string; memberCount: number }>;
  /** More lists exist than are offered (the rest can be typed). */
  moreLists: boolean;
  /** The account's channels; null when Chat2Desk could not be asked (the id is typed instead). */
  channels: readonly ChannelChoice[] | null;
  /** The id of the campaign being edited; undefined for a new one. */
  campaignId?: number;
  /** What the Check button found of the form as it stands: the audience counted, next runs, variables, a preview. */
  check?: CampaignCheck;
}

function fieldErrors(input: CampaignFormPageInput, field: CampaignFormField): SafeHtml {
  const messages = input.errors.get(field) ?? [];
  return html`${messages.map((m) => html`<div class="field-error" role="alert" data-error-for="${field}">${m}</div>`)}`;
}

const invalid = (input: CampaignFormPageInput, field: CampaignFormField) =>
  input.errors.has(field) ? html` aria-invalid="true"` : '';

function options(values: readonly string[], selected: string, label: (v: string) => string): SafeHtml {
  return html`${values.map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${label(v)}</option>`)}`;
}

function channelField(ui: Ui, input: CampaignFormPageInput): SafeHtml {
  const { t } = ui;
  const { form } = input;
  if (input.channels === null) {
    return html`<input id="channelId" name="channelId" inputmode="numeric" value="${form.channelId}"${invalid(input, 'channelId')}>
<p class="hint">${t('editor.channelUnknown')}</p>`;
  }
  return html`<select id="channelId" name="channelId"${invalid(input, 'channelId')}>
<option value="">${t('editor.anyChannel')}</option>
${input.channels.map(
  (c) =>
    html`<option value="${c.id}"${String(c.id) === form.channelId ? html` selected` : ''}>#${c.id} ${c.name} (${c.transports.join(', ')})</option>`,
)}
</select>`;
}

/** The variables a template may use, and the message as the audience's first contact would get it. */
function checkedMessage(ui: Ui, check: CampaignCheck): SafeHtml {
  const { t } = ui;
  const preview = check.preview;
  return html`<p class="hint" data-variables>${t('editor.variables')} ${check.variables.map((v) => html`<code>{{${v}}}</code> `)}</p>
${
  preview === undefined
    ? ''
    : preview.ok
      ? html`<p class="hint">${t('editor.previewFor', {
          who: preview.contact
            ? `${preview.contact.name ?? ''} +${preview.contact.phone}`.trim()
            : t('setup.inventedContact'),
        })}</p><pre class="message" data-preview="text">${preview.text}</pre>`
      : html`<div class="field-error" role="alert" data-preview="problem">${preview.problem}${preview.missingVariable ? `: ${preview.missingVariable}` : ''}${
          preview.detail ? ` — ${preview.detail}` : ''
        }</div>`
}`;
}

/** The campaign editor: the campaign document as a form, each problem shown at its field. */
export function campaignFormPage(ui: Ui, input: CampaignFormPageInput): SafeHtml {
  const { t } = ui;
  const { form } = input;
  const general = input.errors.get('general') ?? [];
  const zones = timeZoneNames();
  return html`<p class="sub" style="margin-bottom:6px"><a href="/">${t('nav.campaigns')}</a>${
    input.campaignId === undefined
      ? ''
      : html` / <a href="/campaigns/${input.campaignId}">#${input.campaignId}</a>`
  }</p>
<h1>${input.campaignId === undefined ? t('editor.newTitle') : t('editor.editTitle')}</h1>
<p class="sub">${t('editor.intro')}</p>
${
  input.errors.size > 0
    ? html`<div class="error" role="alert" data-errors="${[...input.errors.values()].flat().length}">${t('editor.fix')}${
        general.length ? html`<ul>${general.map((m) => html`<li>${m}</li>`)}</ul>` : ''
      }</div>`
    : ''
}
<form method="post" action="${input.action}" class="editor" novalidate>
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="kept" value="${form.kept}">
${
  keptFieldNames(form).length
    ? html`<div class="notice" data-kept>${t('editor.kept', { fields: keptFieldNames(form).join(', ') })}</div>`
    : ''
}
<section class="panel">
<h2>${t('editor.what')}</h2>
<label for="name">${t('editor.name')}</label>
<input id="name" name="name" value="${form.name}" maxlength="200" required${invalid(input, 'name')}>
${fieldErrors(input, 'name')}
<div class="row">
<div><label for="kind">${t('editor.kind')}</label>
<select id="kind" name="kind"${invalid(input, 'kind')}>${options(['broadcast', 'reminder'], form.kind, (k) => t(`kind.${k}`))}</select>
${fieldErrors(input, 'kind')}</div>
<div><label for="purpose">${t('editor.purpose')}</label>
<select id="purpose" name="purpose"${invalid(input, 'purpose')}>${options(CAMPAIGN_PURPOSES, form.purpose, (p) => t(`purpose.${p}`))}</select>
${fieldErrors(input, 'purpose')}</div>
</div>
<p class="hint">${t(`consent.${form.purpose}`, { defaultValue: '' })}</p>
<div class="row">
<div><label for="transport">${t('editor.transport')}</label>
<select id="transport" name="transport"${invalid(input, 'transport')}>${options(TRANSPORTS, form.transport, (v) => v)}</select>
${fieldErrors(input, 'transport')}</div>
<div><label for="channelId">${t('editor.channel')}</label>
${channelField(ui, input)}
${fieldErrors(input, 'channelId')}</div>
</div>
<label for="list">${t('editor.audience')}</label>
<select id="list" name="list"${invalid(input, 'list')}>
<option value="">${t('editor.pickList')}</option>
<option value="*"${form.list === '*' ? html` selected` : ''}>${t('editor.everyone')}</option>
${input.lists.map(
  (l) =>
    html`<option value="${l.name}"${l.name === form.list ? html` selected` : ''}>${l.name} (${t('editor.members', { count: l.memberCount })})</option>`,
)}
${
  form.list !== '' && form.list !== '*' && !input.lists.some((l) => l.name === form.list)
    ? html`<option value="${form.list}" selected>${form.list}</option>`
    : ''
}
</select>
${input.moreLists ? html`<p class="hint">${t('editor.moreLists')}</p>` : ''}
${fieldErrors(input, 'list')}
<label for="where">${t('editor.where')}</label>
<textarea id="where" name="where" rows="2" class="mono" maxlength="4000" placeholder='city = "Moscow" and consent = opted_in'${invalid(input, 'where')}>${form.where}</textarea>
<p class="hint">${t('editor.whereHint')}</p>
${fieldErrors(input, 'where')}
<p class="count-row"><button type="submit" name="intent" value="check">${t('editor.check')}</button>
${
  input.check?.count
    ? html`<span data-count="audience" role="status">${t('editor.counted', {
        matching: ui.number(input.check.count.matching),
        members: ui.number(input.check.count.members),
        optedIn: ui.number(input.check.count.optedIn),
      })}</span>`
    : ''
}</p>
<label for="template">${t('editor.template')}</label>
<textarea id="template" name="template" rows="6" class="mono"${invalid(input, 'template')}>${form.template}</textarea>
<p class="hint">${t('editor.templateHint')}</p>
${fieldErrors(input, 'template')}
${input.check ? checkedMessage(ui, input.check) : ''}
</section>
<section class="panel">
<h2>${t('editor.when')}</h2>
<label for="timezone">${t('editor.timezone')}</label>
<select id="timezone" name="timezone"${invalid(input, 'timezone')}>${options(zones, form.timezone, (z) => z)}</select>
<p class="hint">${t('editor.timezoneHint')}</p>
${fieldErrors(input, 'timezone')}
<fieldset${invalid(input, 'scheduleMode')}><legend>${t('editor.schedule')}</legend>
<label class="inline"><input type="radio" name="scheduleMode" value="at"${form.scheduleMode !== 'cron' ? html` checked` : ''}> ${t('editor.once')}</label>
<label class="inline"><input type="radio" name="scheduleMode" value="cron"${form.scheduleMode === 'cron' ? html` checked` : ''}> ${t('editor.repeating')}</label>
</fieldset>
${fieldErrors(input, 'scheduleMode')}
<div class="row">
<div><label for="at">${t('editor.at')}</label>
<input id="at" name="at" type="datetime-local" value="${form.at}"${invalid(input, 'at')}>
${fieldErrors(input, 'at')}</div>
<div><label for="cron">${t('editor.cron')}</label>
<input id="cron" name="cron" class="mono" value="${form.cron}" placeholder="0 10 * * MON"${invalid(input, 'cron')}>
${fieldErrors(input, 'cron')}</div>
</div>
${
  input.check?.runs.length
    ? html`<p class="hint">${t('editor.nextRuns', { zone: input.check.zone })}</p><ol class="runs" data-next-runs>${input.check.runs.map(
        (run) => html`<li>${wallClockText(run.getTime(), input.check!.zone, ui.lang)}</li>`,
      )}</ol>`
    : ''
}
<label for="offsets">${t('editor.offsets')}</label>
<input id="offsets" name="offsets" value="${form.offsets}" placeholder="-24h, -2h"${invalid(input, 'offsets')}>
<p class="hint">${t('editor.offsetsHint')}</p>
${fieldErrors(input, 'offsets')}
<div class="row">
<div><label for="windowFrom">${t('editor.windowFrom')}</label>
<input id="windowFrom" name="windowFrom" type="time" value="${form.windowFrom}"${invalid(input, 'windowFrom')}>
${fieldErrors(input, 'windowFrom')}</div>
<div><label for="windowTo">${t('editor.windowTo')}</label>
<input id="windowTo" name="windowTo" type="time" value="${form.windowTo}"${invalid(input, 'windowTo')}>
${fieldErrors(input, 'windowTo')}</div>
</div>
<p class="hint">${t('editor.windowHint')}</p>
<label for="perSecond">${t('editor.perSecond')}</label>
<input id="perSecond" name="perSecond" inputmode="decimal" value="${form.perSecond}"${invalid(input, 'perSecond')}>
<p class="hint">${t('editor.perSecondHint')}</p>
${fieldErrors(input, 'perSecond')}
</section>
<p class="actions"><button type="submit" name="intent" value="check">${t('editor.check')}</button>
<button type="submit" name="intent" value="save" class="primary">${t('editor.save')}</button></p>
</form>`;
}
