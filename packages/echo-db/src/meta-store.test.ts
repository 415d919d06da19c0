import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import { Level } from 'level'
import { MetaStore, MetaStoreError, type PartyRecord } from './meta-store'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'echodb-meta-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

const record = (partyKey: string): PartyRecord => ({
  partyKey, writableFeedKey: 'f1', genesisFeedKey: 'f0', feedKeys: ['f0', 'f1'], open: true, createdAt: 1
})

test('parties, feeds, open flags and settings persist across reopen', async () => {
  let db = new Level<string, string>(dir)
  let store = new MetaStore(db)
  await store.addParty(record('aa'))
  await store.addParty(record('bb'))
  expect(await store.addFeed('aa', 'f2')).toBe(true)
  expect(await store.addFeed('aa', 'f2')).toBe(false)
  await store.setPartyOpen('bb', false)
  await store.setSetting('displayName', 'Ada')
  await db.close()

  db = new Level<string, string>(dir)
  store = new MetaStore(db)
  const parties = await store.listParties()
  expect(parties.map((p) => p.partyKey)).toEqual(['aa', 'bb'])
  expect((await store.getParty('aa'))?.feedKeys).toEqual(['f0', 'f1', 'f2'])
  expect((await store.getParty('bb'))?.open).toBe(false)
  expect(await store.getSetting('displayName')).toBe('Ada')
  expect(await store.getSetting('missing')).toBeUndefined()
  await db.close()
})

test('unknown and duplicate parties are typed errors naming the key', async () => {
  const db = new Level<string, string>(dir)
  const store = new MetaStore(db)
  try {
    await store.addParty(record('aa'))
    await expect(store.addParty(record('aa'))).rejects.toThrow(MetaStoreError)
    await expect(store.addFeed('zz', 'f')).rejects.toMatchObject({ code: 'UNKNOWN_PARTY', message: expect.stringContaining('zz') })
  } finally {
    await db.close()
  }
})

test('changes of one party made at once all land (none overwrites another)', async () => {
  const db = new Level<string, string>(dir)
  const store = new MetaStore(db)
  try {
    await store.addParty(record('aa'))
    const feeds = Array.from({ length: 20 }, (_, i) => `g${i}`)
    const added = await Promise.all([
      ...feeds.map(async (feed) => await store.addFeed('aa', feed)),
      store.setPartyOpen('aa', false).then(() => true),
      store.addFeed('aa', 'g3'), // the same feed twice at once: recorded once, and one call says so
      store.addFeed('zz', 'f').catch(() => true) // a failed change of another party does not hold this one up
    ])
    expect(added.filter((a) => !a)).toHaveLength(1)
    const saved = await store.getParty('aa')
    expect(saved?.feedKeys).toEqual(['f0', 'f1', ...feeds])
    expect(saved?.open).toBe(false)
  } finally {
    await db.close()
  }
})
