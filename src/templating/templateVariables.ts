import Handlebars from 'handlebars';
import { HELPER_ARITY } from './templateHelpers.js';
import { checkTemplateSyntax } from './templateSyntax.js';

/**
 * The top-level names a template reads (`{{firstName}}`, `{{formatDate lastPurchase 'd MMMM'}}` →
 * `firstName`, `lastPurchase`), helpers left out: what a summary over a whole audience asks of each
 * contact's data. A name read only inside a block over a list may be the list item's own; callers
 * use these names to group contacts, never to refuse one.
 */
export function templateVariableNames(sources: readonly string[]): string[] {
  const names = new Set<string>();
  for (const source of sources) {
    if (source === '') continue;
    for (const [first] of checkTemplateSyntax(Handlebars.parse(source)).paths) {
      if (first !== undefined && !Object.hasOwn(HELPER_ARITY, first)) names.add(first);
    }
  }
  return [...names];
}
