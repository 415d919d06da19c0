import { echo } from '@echodb/proto'
import { encodeFeedBlock, Timeframe } from '@echodb/feed-store'
import { createKeyAdmit, createPartyGenesis, generateKeyPair } from '@echodb/credentials'
import type { ECHO } from './echo'
import type { Rejection } from './errors'
import type { Party } from './party'
import { admitAndJoin, connect, openEcho, TempDirs } from './testing/temp-echo'

const dirs = new TempDirs()
const open: ECHO[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (e) => await e.close()))
  await dirs.cleanup()
})

function snapshotOf (party: Party): unknown {
  return {
    members: party.members.value.map((m) => [m.identityKey.toString('hex'), m.role]),
    feeds: party.partyState.listFeeds().map((f) => f.feedKey.toString('hex')),
    items: party.database.items.map((item) => [item.id, item.deleted, item.parentId, item.model.state])
  }
}

/** Appends one raw block to a feed: `messages` are encoded Envelopes (or any bytes). */
async function appendRaw (party: Party, messages: Uint8Array[], timeframe: Timeframe = party.timeframe.clone()): Promise<void> {
  await party.ownFeed.core.append(Buffer.from(encodeFeedBlock(timeframe.toProto(), messages)))
}

const envelope = (e: echo.IEnvelope): Uint8Array => echo.Envelope.encode(e).finish()

test('hostile messages from an admitted member are rejected with reasons, counted, and change nothing', async () => {
  const honest = await openEcho(dirs)
  const hostile = await openEcho(dirs)
  open.push(honest, hostile)
  const disconnect = connect(honest, hostile)
  try {
    const party = await honest.createParty({ properties: { title: 'ours' } })
    const item = await party.database.createItem({ type: 'doc', props: { v: 1 } })
    const evil = await admitAndJoin(party, hostile, 'writer')
    await evil.waitForTimeframe(party.timeframe)
    const rejected: Rejection[] = []
    party.on('rejected', (r) => rejected.push(r))
    const before = snapshotOf(party)

    const stranger = generateKeyPair()
    const outsider = generateKeyPair()
    // A forged admission: signed by a writer, not an admin; and one with a broken signature.
    const forged = createKeyAdmit({ partyKey: party.key, admin: stranger, identityKey: outsider.publicKey, role: 'admin' })
    const tampered = createKeyAdmit({ partyKey: party.key, admin: stranger, identityKey: outsider.publicKey, role: 'admin' })
    tampered.signatures![0].signature = Buffer.alloc(64, 7)
    // A second genesis, for this party key, by strangers.
    const replayedGenesis = createPartyGenesis({ party: generateKeyPair(), identity: stranger, feed: generateKeyPair() })

    await appendRaw(evil, [
      envelope({ credential: forged }),
      envelope({ credential: tampered }),
      envelope({ credential: replayedGenesis }),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),                                     // not an Envelope
      envelope({}),                                                              // empty envelope
      envelope({ item: { itemId: 'NOT-AN-ID', genesis: { modelType: 'x/y' } } }),
      envelope({ item: { itemId: item.id, genesis: { modelType: 'echodb.org/model/object' } } }), // another feed's item id
      envelope({ item: { itemId: 'ab'.repeat(16), mutation: { model: new Uint8Array([8, 1]) } } }), // unknown item
      envelope({ item: { itemId: item.id, mutation: { model: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]) } } }) // model refuses
    ])
    await evil.ownFeed.core.append(Buffer.from('this is not a FeedBlock at all, just bytes'))
    await party.waitForTimeframe(new Timeframe([[evil.ownFeed.key, evil.ownFeed.length]]))

    expect(snapshotOf(party)).toEqual(before)
    expect(party.rejections).toEqual({
      CREDENTIAL_REJECTED: 3,
      UNDECODABLE_MESSAGE: 1,
      EMPTY_ENVELOPE: 1,
      INVALID_ITEM_ID: 2,
      UNKNOWN_ITEM: 1,
      MUTATION_REJECTED: 1,
      UNDECODABLE_BLOCK: 1
    })
    expect(rejected).toHaveLength(10)
    expect(rejected.every((r) => r.feedKey === evil.ownFeed.id && r.detail.length > 0)).toBe(true)

    // Honest writes still flow both ways afterwards.
    await evil.database.createItem({ type: 'doc', props: { by: 'the other member' } })
    await party.waitForTimeframe(evil.timeframe)
    expect(party.database.select({ type: 'doc' }).value).toHaveLength(2)
  } finally {
    disconnect()
  }
})

test('blocks of a feed that is not admitted wait and are never applied', async () => {
  const honest = await openEcho(dirs)
  const outsider = await openEcho(dirs)
  open.push(honest, outsider)
  const disconnect = connect(honest, outsider)
  try {
    const party = await honest.createParty()
    // The outsider writes item messages into a feed of its own and gets the honest peer to read it.
    const feed = await outsider.feedStore.createFeed()
    const block = encodeFeedBlock(party.timeframe.toProto(), [
      envelope({ item: { itemId: 'cd'.repeat(16), genesis: { modelType: 'echodb.org/model/object', itemType: 'spam' } } })
    ])
    await feed.core.append(Buffer.from(block))
    party.processor.addFeed(await honest.feedStore.openFeed(feed.key))
    await party.database.createItem({ type: 'doc' }) // processing goes on meanwhile
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(party.database.select({ type: 'spam' }).value).toHaveLength(0)
    expect(party.timeframe.get(feed.id)).toBe(0)
    const progress = party.processor.progress().find((p) => p.feedId === feed.id)
    expect(progress).toMatchObject({ delivered: 0 })
    expect(progress?.downloaded).toBe(1)
  } finally {
    disconnect()
  }
})
