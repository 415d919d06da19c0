import fs from 'fs'
import os from 'os'
import path from 'path'
import { Level } from 'level'
import { KeyExistsError, KeyNotFoundError } from './errors'
import { KeyStore } from './key-store'
import { generateKeyPair, verify } from './keys'

describe('KeyStore', () => {
  let dir: string

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-keys-'))
  })

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('create, get, list by kind, remove; everything survives a reopen', async () => {
    let keys = await KeyStore.open(dir)
    try {
      const identity = await keys.create('identity', { label: 'me' })
      const device = await keys.create('device')
      const party = generateKeyPair()
      await keys.add('party', { publicKey: party.publicKey }, { label: 'holiday' })
      expect(identity).toMatchObject({ kind: 'identity', label: 'me', hasSecretKey: true })
      expect(await keys.get(party.publicKey)).toMatchObject({ kind: 'party', label: 'holiday', hasSecretKey: false })
      expect((await keys.list()).map((k) => k.kind).sort()).toEqual(['device', 'identity', 'party'])
      expect((await keys.list({ kind: 'device' })).map((k) => k.publicKey)).toEqual([device.publicKey])
      await keys.close()

      keys = await KeyStore.open(dir)
      expect(await keys.get(identity.publicKey)).toEqual(identity)
      expect(await keys.remove(device.publicKey)).toBe(true)
      expect(await keys.remove(device.publicKey)).toBe(false)
      expect(await keys.has(device.publicKey)).toBe(false)
      expect(await keys.get(device.publicKey)).toBeUndefined()
    } finally {
      await keys.close()
    }
  })

  test('secret keys leave only through export; a signer signs without exposing them', async () => {
    const keys = await KeyStore.open(dir)
    try {
      const info = await keys.create('identity')
      expect(Object.values(info).some((v) => v instanceof Uint8Array && v.byteLength === 64)).toBe(false)
      const signer = await keys.signer(info.publicKey)
      expect(Object.keys(signer).sort()).toEqual(['publicKey', 'sign'])
      const message = Buffer.from('hello')
      expect(verify(message, signer.sign(message), info.publicKey)).toBe(true)
      const exported = await keys.export(info.publicKey)
      expect(exported.publicKey).toEqual(info.publicKey)
      expect(exported.secretKey.byteLength).toBe(64)
    } finally {
      await keys.close()
    }
  })

  test('ensure creates a key once and then returns it', async () => {
    const keys = await KeyStore.open(dir)
    try {
      const first = await keys.ensure('identity')
      const again = await keys.ensure('identity')
      expect(again.publicKey).toEqual(first.publicKey)
      const labelled = await keys.ensure('device', 'laptop')
      expect(labelled.publicKey).not.toEqual(first.publicKey)
      expect((await keys.ensure('device', 'laptop')).publicKey).toEqual(labelled.publicKey)
    } finally {
      await keys.close()
    }
  })

  test('misuse is refused with typed errors', async () => {
    const keys = await KeyStore.open(dir)
    try {
      const pair = generateKeyPair()
      const other = generateKeyPair()
      await keys.add('feed', { publicKey: pair.publicKey })
      expect((await keys.add('feed', pair)).hasSecretKey).toBe(true) // the secret key arrives later
      await expect(keys.add('identity', pair)).rejects.toThrow(KeyExistsError)
      await expect(keys.add('feed', { publicKey: pair.publicKey, secretKey: other.secretKey })).rejects.toThrow(/does not belong/)
      await expect(keys.signer(other.publicKey)).rejects.toThrow(KeyNotFoundError)
      const publicOnly = generateKeyPair()
      await keys.add('party', { publicKey: publicOnly.publicKey })
      await expect(keys.export(publicOnly.publicKey)).rejects.toThrow(/without its secret key/)
      await expect(keys.add('wallet' as 'feed', generateKeyPair())).rejects.toThrow(/unknown key kind/)
      await expect(keys.add('feed', { publicKey: Buffer.alloc(12) })).rejects.toThrow(/32 bytes/)
    } finally {
      await keys.close()
    }
  })

  test('lives in a sublevel of a database the caller owns', async () => {
    const db = new Level<string, string>(dir)
    await db.open()
    try {
      await db.put('other', 'data')
      const keys = new KeyStore(db.sublevel('app'))
      const info = await keys.create('identity')
      expect((await new KeyStore(db.sublevel('app')).get(info.publicKey))?.kind).toBe('identity')
      expect(await new KeyStore(db.sublevel('elsewhere')).get(info.publicKey)).toBeUndefined()
      expect(await db.get('other')).toBe('data')
    } finally {
      await db.close()
    }
  })
})
