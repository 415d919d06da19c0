// Feed keys travel as 32 bytes but order stamps name them in hex. Restoring many snapshots would otherwise give
// every stamp its own copy of the same 64-character string: one instance per feed is kept instead.
const interned = new Map<string, string>()
const MAX_INTERNED = 4096

/** The lowercase hex of `key`, the same string instance for equal keys. */
export function feedHex (key: Uint8Array): string {
  return internHex(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex'))
}

/** The shared instance of a feed key's hex string. */
export function internHex (hex: string): string {
  const known = interned.get(hex)
  if (known !== undefined) return known
  // Bounded: a process that sees ever more feeds only loses sharing, never memory.
  if (interned.size >= MAX_INTERNED) interned.clear()
  interned.set(hex, hex)
  return hex
}

export function hexToBytes (hex: string): Uint8Array {
  return Buffer.from(hex, 'hex')
}
