import type { Level } from 'level'
import { generateKeyPair, type KeyPair } from '@echodb/credentials'

export type InstanceKey = 'identity' | 'device'

/**
 * One of the instance's own key pairs, created on first open and then loaded: `identity` (who we are in every
 * party) and `device` (this instance's key on the network: the Noise key peers authenticate, named by
 * invitation codes). Kept in level under the `keys` sublevel.
 */
export async function loadKeyPair (db: Level<string, string>, name: InstanceKey): Promise<KeyPair> {
  const keys = db.sublevel<string, Uint8Array>('keys', { valueEncoding: 'view' })
  const secretKey = await keys.get(name)
  if (secretKey !== undefined) {
    return { publicKey: Buffer.from(secretKey.subarray(32)), secretKey: Buffer.from(secretKey) }
  }
  const keyPair = generateKeyPair()
  await keys.put(name, keyPair.secretKey)
  return keyPair
}
