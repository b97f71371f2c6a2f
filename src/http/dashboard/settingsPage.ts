import { html, type SafeHtml } from './html.js';
import { LANGUAGES } from './translations.js';
import type { Ui } from './ui.js';

/** Every zone Intl knows, for the picker: computed once. */
let zoneNames: readonly string[] | undefined;
export function timeZoneNames(): readonly string[] {
  zoneNames ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  return zoneNames;
}

/** The viewer's own choices: the console's language and the zone its times are shown in. */
export function settingsPage(
  ui: Ui,
  options: { csrf: string; saved: boolean; browserZone: string | null },
): SafeHtml {
  const { t } = ui;
  const chosenZone = ui.zoneSource === 'chosen' ? ui.zone : '';
  const browser = options.browserZone
    ? t('settings.zoneBrowser', { zone: options.browserZone })
    : t('settings.zoneBrowserUnknown');
  return html`<h1>${t('settings.title')}</h1>
<p class="sub">${t('settings.intro')}</p>
${options.saved ? html`<div class="notice" role="status">${t('settings.saved')}</div>` : ''}
<section class="panel" style="max-width:560px">
<form method="post" action="/settings" class="stacked">
<input type="hidden" name="csrf" value="${options.csrf}">
<fieldset><legend>${t('settings.language')}</legend>
${LANGUAGES.map(
  (lang) =>
    html`<label><input type="radio" name="lang" value="${lang}"${lang === ui.lang ? html` checked` : ''}> <span lang="${lang}">${t(`language.${lang}`)}</span></label>`,
)}
</fieldset>
<label for="tz">${t('settings.zone')}</label>
<select id="tz" name="tz">
<option value=""${chosenZone === '' ? html` selected` : ''}>${browser}</option>
${timeZoneNames().map((zone) => html`<option${zone === chosenZone ? html` selected` : ''}>${zone}</option>`)}
</select>
<p><button type="submit" class="primary">${t('settings.save')}</button></p>
</form>
</section>`;
}
