import type { FeedId, Timeframe } from './timeframe'

/** A feed's next block, decoded and waiting for the selector. */
export interface HeadCandidate {
  readonly feedKey: Buffer
  readonly feedId: FeedId
  readonly blockIndex: number
  /** The writer's timeframe when it wrote the block (empty for an undecodable block). */
  readonly timeframe: Timeframe
  /** Set when the block could not be decoded; it carries no messages but its position still counts. */
  readonly decodeError?: string
}

/**
 * Chooses which head the reader delivers next, or none (undefined/null) to wait until a new head arrives or
 * `reconsider()` is called. It must return one of the candidates it was given. It runs once per delivered
 * block, so keep it cheap.
 */
export type Selector = (candidates: readonly HeadCandidate[]) => HeadCandidate | null | undefined

/**
 * The order stamp of DESIGN-NOTES decision 2: timeframe sum, then feed key (bytewise), then block index. It is
 * a total order consistent with causality (a block's timeframe sum exceeds that of every block it names).
 */
export function compareCandidates (a: HeadCandidate, b: HeadCandidate): number {
  if (a.timeframe.sum !== b.timeframe.sum) return a.timeframe.sum - b.timeframe.sum
  if (a.feedId !== b.feedId) return a.feedId < b.feedId ? -1 : 1
  return a.blockIndex - b.blockIndex
}

/**
 * Default selector: the candidate lowest in the order stamp. Deterministic for a given set of heads, and fair:
 * every feed's head is delivered once the lower ones are, so no feed starves while others have finite backlogs.
 */
export const defaultSelector: Selector = (candidates) => {
  let best: HeadCandidate | undefined
  for (const candidate of candidates) {
    if (best === undefined || compareCandidates(candidate, best) < 0) best = candidate
  }
  return best
}

/**
 * A selector that enforces causal order: only heads whose timeframe is satisfied by `processed()` (what the
 * consumer has processed so far) are eligible, optionally filtered further (e.g. by feed admission); among those
 * the lowest order stamp wins. Undecodable blocks have an empty timeframe and are eligible at once.
 *
 * `unordered` names heads the consumer will not apply (echo-db: blocks past a removed member's cut-off): they are
 * eligible whatever their timeframe, so a block that names feeds this consumer will never read does not hold its
 * feed back forever. Feed order is kept (only heads are candidates).
 */
export function causalSelector (
  processed: () => Timeframe,
  eligible?: (candidate: HeadCandidate) => boolean,
  unordered?: (candidate: HeadCandidate) => boolean
): Selector {
  return (candidates) => {
    const current = processed()
    let best: HeadCandidate | undefined
    for (const candidate of candidates) {
      if (eligible !== undefined && !eligible(candidate)) continue
      if (!candidate.timeframe.isSatisfiedBy(current) && (unordered === undefined || !unordered(candidate))) continue
      if (best === undefined || compareCandidates(candidate, best) < 0) best = candidate
    }
    return best
  }
}
