import { titleKey } from './keys';

/**
 * Wire-service decorations that say nothing about the event: a desk tag at
 * the start ("UPDATE 2-", "RPT-", "EXCLUSIVE:"), an agency byline at the
 * start ("AA - ", "Reuters: ") or at the end (" - Reuters", " | AFP").
 * Each pattern is anchored and has no nested quantifier, so it runs in linear
 * time on hostile titles; stripWirePrefix loops instead of repeating a group.
 */
const DESK_TAG = /^(?:UPDATE|REFILE|CORRECTED|CORRECTION|RPT|REPEAT|WRAPUP|ANALYSIS|EXCLUSIVE|BREAKING|FACTBOX|INSTANT VIEW|PREVIEW|TIMELINE|URGENT|FLASH|VIDEO|WATCH|LIVE)(?:\s?\d{1,2})?\s*[-:–—]\s*/i;
const AGENCIES = 'AA|AFP|AP|APTN|DPA|EFE|ANSA|PTI|IANS|UPI|TASS|RIA|Reuters|Xinhua|Anadolu|Anadolu Agency|Bloomberg|Interfax|Yonhap|Kyodo|IRNA|SANA|WAFA|Sputnik|RIA Novosti|ТАСС|РИА Новости|Интерфакс';
// The byline needs a separator, so "AA and JetBlue end ticketing agreement" (American Airlines) keeps its "AA".
const AGENCY_PREFIX = new RegExp(`^\\(?(?:${AGENCIES})\\)?\\s*[-:–—|]\\s*`, 'i');
const AGENCY_SUFFIX = new RegExp(`\\s[-–—|]\\s*\\(?(?:${AGENCIES})\\)?\\s*$`, 'i');
// "(Reuters) - " leads many wire bodies and some titles.
const AGENCY_PAREN = new RegExp(`^\\((?:${AGENCIES})\\)\\s*`, 'i');

/** The title without wire decorations; the title itself when stripping would leave nothing. */
export function stripWirePrefix(title: string): string {
  let s = title.trim();
  for (let i = 0; i < 4; i++) {
    const next = s.replace(DESK_TAG, '').replace(AGENCY_PREFIX, '').replace(AGENCY_PAREN, '').replace(AGENCY_SUFFIX, '').trim();
    if (next === s) break;
    s = next;
  }
  return s === '' ? title.trim() : s;
}

/** The cross-publisher title key: the within-publisher title key of the title without wire decorations. */
export function storyTitleKey(title: string): string {
  return titleKey(stripWirePrefix(title));
}
