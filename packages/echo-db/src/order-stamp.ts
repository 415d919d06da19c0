import type { Timeframe } from '@echodb/feed-store'
import type { OrderStamp } from '@echodb/models'

/**
 * The `seq` of every message in a block (PROTOCOL.md §4): the sum of the block's timeframe with the block's own
 * feed counted as the block index. A block that causally follows another has a larger seq.
 */
export function blockSeq (timeframe: Timeframe, feedId: string, blockIndex: number): number {
  return timeframe.sum - timeframe.get(feedId) + blockIndex
}

export function orderStamp (seq: number, feedId: string, blockIndex: number, indexInBlock: number): OrderStamp {
  return { seq, feed: feedId, block: blockIndex, index: indexInBlock }
}
