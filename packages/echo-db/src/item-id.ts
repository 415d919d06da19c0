import { randomBytes } from 'crypto'

/** An item id: 16 bytes as 32 lowercase hex characters. */
export const ITEM_ID = /^[0-9a-f]{32}$/

/** How many hex characters of an item id name the feed that created it (its last 8 bytes). */
const FEED_PART_CHARS = 16

/**
 * A new id for an item created on feed `feedKey`: 8 random bytes, then the feed key's first 8 bytes. (Random
 * first, so that short prefixes, as people type them, still tell one writer's items apart.)
 *
 * Each feed creates items in its own id space, so two geneses with one id come from one feed, and every peer
 * reads a feed's blocks in the same order: the first wins everywhere. With free ids a member could write a
 * genesis with another's item id and lie in its timeframe that it had not seen the first; peers that processed
 * the two in different orders would then disagree on what the item is. Matching 8 bytes of another feed's key
 * means generating about 2^64 key pairs.
 */
export function newItemId (feedKey: Uint8Array): string {
  return randomBytes(8).toString('hex') + Buffer.from(feedKey.buffer, feedKey.byteOffset, 8).toString('hex')
}

/** Why `itemId` may not be created on the feed `feedId` (hex), or undefined when it may. */
export function itemIdProblem (itemId: string, feedId: string): string | undefined {
  if (itemId.endsWith(feedId.slice(0, FEED_PART_CHARS))) return undefined
  return `item id ${itemId} is not in the id space of feed ${feedId.slice(0, FEED_PART_CHARS)}…, which wrote its genesis (an item id ends with the first 8 bytes of its creating feed's key)`
}
