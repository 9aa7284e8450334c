/**
 * A message's reactions, as small chips under its bubble: one per emoji, in the order they were
 * first given, with a count when several people chose it. The tooltip (and the chip's name) says who.
 */
import type { Reaction } from '../api/types';

interface ReactionGroup {
  emoji: string;
  /** Who chose it, earliest first. */
  by: Reaction[];
}

/** Reactions by emoji, in the order each was first given; an empty emoji is a removed reaction. */
export function groupReactions(reactions: readonly Reaction[]): ReactionGroup[] {
  const groups = new Map<string, ReactionGroup>();
  const sorted = reactions.filter((r) => r.emoji).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  for (const r of sorted) {
    const g = groups.get(r.emoji);
    if (g) g.by.push(r);
    else groups.set(r.emoji, { emoji: r.emoji, by: [r] });
  }
  return [...groups.values()];
}

const names = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });

export function Reactions({ reactions, nameOf }: { reactions: readonly Reaction[]; nameOf: (waId: string) => string }) {
  const groups = groupReactions(reactions);
  if (groups.length === 0) return null;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {groups.map(({ emoji, by }) => {
        const who = by.map((r) => (r.fromMe ? 'You' : nameOf(r.from)));
        const mine = by.some((r) => r.fromMe);
        return (
          <span key={emoji} className={`reaction${mine ? ' reaction-mine' : ''}`} role="img" aria-label={`${emoji} from ${names.format(who)}`} title={who.join('\n')}>
            <span className="reaction-emoji">{emoji}</span>
            {by.length > 1 && <span className="reaction-count">{by.length}</span>}
          </span>
        );
      })}
    </div>
  );
}
