import type { StoredItem } from '../domain/stored';
import type { StoryView } from '../store';

/** A story's published id: the same for every copy, so a reader sees one entry that gets updated. */
export const storyGuid = (storyId: number): string => `urn:tidings:story:${storyId}`;

/** Set on an entry that stands for a whole story. */
export interface StoryDecoration {
  readonly guid: string;
  readonly id: number;
  /** Every publisher of the story, the representative's included. */
  readonly publishers: readonly { readonly id: string; readonly name: string; readonly url: string | null }[];
}

export type RenderItem = StoredItem & { readonly story?: StoryDecoration };

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * `collapse: story`: one entry per story, in the place of the story's newest
 * item in the feed. The entry is the story's representative (even when the
 * representative itself is outside the topic), with "Also reported by: …"
 * (names and links of the other publishers) appended to its content, and
 * the story's guid. Items without a story, or alone in theirs, pass as they are.
 * Stops after `limit` entries; `consumed` says how many input items that took,
 * so the next page's cursor starts after the last one used.
 */
export function collapseStories(
  items: readonly StoredItem[],
  stories: ReadonlyMap<number, StoryView>,
  representatives: ReadonlyMap<number, StoredItem>,
  limit: number,
): { entries: RenderItem[]; consumed: number } {
  const entries: RenderItem[] = [];
  const emitted = new Set<number>();
  let consumed = 0;
  for (const item of items) {
    if (entries.length >= limit) break;
    consumed++;
    const story = stories.get(item.id);
    if (!story || story.members.length < 2) {
      entries.push(item);
      continue;
    }
    if (emitted.has(story.id)) continue;
    emitted.add(story.id);
    const rep = (story.representativeItemId !== null ? representatives.get(story.representativeItemId) : undefined) ?? item;
    const others = story.members.filter((m) => m.itemId !== rep.id);
    const links = others.map((m) => (m.url ? `<a href="${escapeHtml(m.url)}">${escapeHtml(m.sourceName)}</a>` : escapeHtml(m.sourceName)));
    const body = rep.contentHtml ?? (rep.summary ? `<p>${escapeHtml(rep.summary)}</p>` : '');
    const newest = Math.max(...story.members.map((m) => m.publishedAt.getTime()), rep.updatedAt?.getTime() ?? 0);
    entries.push({
      ...rep,
      contentHtml: `${body}<p>Also reported by: ${links.join(', ')}</p>`,
      updatedAt: new Date(newest),
      story: {
        guid: storyGuid(story.id),
        id: story.id,
        publishers: story.members.map((m) => ({ id: m.sourceId, name: m.sourceName, url: m.url })),
      },
    });
  }
  return { entries, consumed };
}
