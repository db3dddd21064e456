import type { StoredItem } from '../domain/stored';
import type { StoryView } from '../store';
import type { RenderItem } from './render';

/** A story's published id: the same for every copy, so a reader sees one entry that gets updated. */
export const storyGuid = (storyId: number): string => `urn:tidings:story:${storyId}`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * `collapse: story`: one entry per story, in the place of the story's newest
 * item in the topic. The entry is the story's representative (even when the
 * representative itself is outside the topic), with "Also reported by: …"
 * (names and links of the other publishers) appended to its content, and
 * the story's guid. Items without a story, or alone in theirs, pass as they are.
 */
export function collapseStories(
  items: readonly StoredItem[],
  stories: ReadonlyMap<number, StoryView>,
  representatives: ReadonlyMap<number, StoredItem>,
): RenderItem[] {
  const out: RenderItem[] = [];
  const emitted = new Set<number>();
  for (const item of items) {
    const story = stories.get(item.id);
    if (!story || story.members.length < 2) {
      out.push(item);
      continue;
    }
    if (emitted.has(story.id)) continue;
    emitted.add(story.id);
    const rep = (story.representativeItemId !== null ? representatives.get(story.representativeItemId) : undefined) ?? item;
    const others = story.members.filter((m) => m.itemId !== rep.id);
    const links = others.map((m) => (m.url ? `<a href="${escapeHtml(m.url)}">${escapeHtml(m.sourceName)}</a>` : escapeHtml(m.sourceName)));
    const body = rep.contentHtml ?? (rep.summary ? `<p>${escapeHtml(rep.summary)}</p>` : '');
    const newest = Math.max(...story.members.map((m) => m.publishedAt.getTime()), rep.updatedAt?.getTime() ?? 0);
    out.push({
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
  return out;
}
