/**
 * The position of a mutation in the total order every peer agrees on. echo-db derives it from the block's
 * timeframe (DESIGN-NOTES decision 2): `seq` is the sum of the timeframe's entries with the writer's own feed
 * counted as the block index, so a block that causally follows another always has a larger seq.
 * Ties between concurrent blocks are broken by feed key, then block index, then the message's index in the block.
 */
export interface OrderStamp {
  readonly seq: number
  /** The writer's feed key as 64 lowercase hex characters. */
  readonly feed: string
  readonly block: number
  readonly index: number
}

/**
 * What a model learns about a mutation besides its content. Models may keep `order` (and the keys) as given:
 * the caller must not mutate these objects after handing them over.
 */
export interface MutationMeta {
  /** The author's identity public key. */
  readonly identityKey: Uint8Array
  readonly feedKey: Uint8Array
  readonly blockIndex: number
  readonly indexInBlock: number
  readonly order: OrderStamp
}

/** Total order of stamps: seq, then feed, then block, then index. Negative when `a` comes first. */
export function compareOrder (a: OrderStamp, b: OrderStamp): number {
  if (a === b) return 0
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  if (a.feed !== b.feed) return a.feed < b.feed ? -1 : 1
  if (a.block !== b.block) return a.block < b.block ? -1 : 1
  if (a.index !== b.index) return a.index < b.index ? -1 : 1
  return 0
}

const FEED_HEX = /^[0-9a-f]{64}$/

/** True for a well-formed stamp (non-negative integers, 64-hex feed). Models check stamps they restore. */
export function isOrderStamp (stamp: OrderStamp): boolean {
  return Number.isSafeInteger(stamp.seq) && stamp.seq >= 0 &&
    Number.isInteger(stamp.block) && stamp.block >= 0 && stamp.block <= 0xffffffff &&
    Number.isInteger(stamp.index) && stamp.index >= 0 && stamp.index <= 0xffffffff &&
    typeof stamp.feed === 'string' && FEED_HEX.test(stamp.feed)
}
