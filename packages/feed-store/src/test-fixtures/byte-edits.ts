// Test-only (imported as `@echodb/feed-store/testing`): small random edits of valid bytes, the fuzz tests' way of
// producing input that is almost right, which finds more decoder bugs than random bytes alone.
import fc from 'fast-check'

/** One edit: [kind, position, byte]. Kinds: 0 flip bits, 1 delete, 2 insert, 3 truncate. */
export type ByteEdit = [number, number, number]

/** Between 1 and `maxLength` edits. */
export function byteEdits (maxLength: number): fc.Arbitrary<ByteEdit[]> {
  return fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength })
}

/** Applies the edits to a copy of `bytes`; positions wrap around the current length. */
export function mutate (bytes: Uint8Array, edits: ByteEdit[]): Buffer {
  const out = Array.from(bytes)
  for (const [kind, position, byte] of edits) {
    const at = out.length === 0 ? 0 : position % out.length
    if (kind === 0 && out.length > 0) out[at] ^= byte | 1
    else if (kind === 1 && out.length > 0) out.splice(at, 1)
    else if (kind === 2) out.splice(at, 0, byte)
    else out.length = at
  }
  return Buffer.from(out)
}
