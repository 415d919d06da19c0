import type { Level } from 'level'
import { generateKeyPair, type KeyPair } from '@echodb/credentials'

/**
 * The instance's identity key pair: created on first open, then loaded. Kept in level under the `keys` sublevel.
 */
export async function loadIdentity (db: Level<string, string>): Promise<KeyPair> {
  const keys = db.sublevel<string, Uint8Array>('keys', { valueEncoding: 'view' })
  const secretKey = await keys.get('identity')
  if (secretKey !== undefined) {
    return { publicKey: Buffer.from(secretKey.subarray(32)), secretKey: Buffer.from(secretKey) }
  }
  const keyPair = generateKeyPair()
  await keys.put('identity', keyPair.secretKey)
  return keyPair
}
