// Test helpers: keys and metadata as echo-db would hand them to a model.
import type { MutationMeta, OrderStamp } from '../order'

/** A deterministic 32-byte key for writer `n` (distinct per n and per kind). */
export function testKey (n: number, kind: 'feed' | 'identity'): Uint8Array {
  const key = new Uint8Array(32)
  // Feed keys deliberately do not sort in writer order, so ties are broken by something other than n.
  const start = kind === 'feed' ? (n * 89 + 23) % 251 : (n * 31 + 7) % 251
  for (let i = 0; i < 32; i++) key[i] = (start + i * 13) % 256
  return key
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Metadata for message `index` of block `block` of writer `writer`'s feed, with the given seq. */
export function testMeta (writer: number, block: number, index: number, seq: number): MutationMeta {
  const feedKey = testKey(writer, 'feed')
  const order: OrderStamp = { seq, feed: toHex(feedKey), block, index }
  return { identityKey: testKey(writer, 'identity'), feedKey, blockIndex: block, indexInBlock: index, order }
}
