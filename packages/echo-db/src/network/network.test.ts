import type { ObjectModel } from '@echodb/models'
import { ECHO } from '../echo'
import type { Party } from '../party'
import { admitAndJoin, converge } from '../testing/temp-echo'
import { swarmPeers } from '../testing/swarm-peers'

// Real Hyperswarm on hyperdht's local testnet (127.0.0.1 only; never the public bootstrap).
const { dirs, peer: startPeer, close } = swarmPeers()
const peer = async (directory?: string): Promise<ECHO> => await startPeer({ directory })

function itemsOf (party: Party): unknown {
  return party.database.items.map((item) => [item.id, item.deleted, item.model.state])
}

test('three peers create and join a party over Hyperswarm and converge', async () => {
  const [a, b, c] = await Promise.all([peer(), peer(), peer()])
  const partyA = await a.createParty({ properties: { title: 'trio' } })
  const partyB = await admitAndJoin(partyA, b)
  const partyC = await admitAndJoin(partyA, c)
  await Promise.all([partyB.sync.caughtUp(), partyC.sync.caughtUp()])
  expect(partyC.properties.get('title')).toBe('trio')

  await Promise.all([
    partyA.database.createItem({ type: 'note', props: { by: 'a' } }),
    partyB.database.createItem({ type: 'note', props: { by: 'b' } }),
    partyC.database.createItem({ type: 'note', props: { by: 'c' } })
  ])
  await converge([partyA, partyB, partyC])
  await Promise.all([partyA, partyB, partyC].map(async (p) => await p.sync.caughtUp()))
  expect(itemsOf(partyB)).toEqual(itemsOf(partyA))
  expect(itemsOf(partyC)).toEqual(itemsOf(partyA))
  expect(partyA.database.select({ type: 'note' }).value).toHaveLength(3)
  const progress = partyC.sync.progress()
  expect(progress.processed).toBe(progress.known)
  expect(progress.peers).toBeGreaterThan(0)
})

test('a peer that was offline while others wrote catches up; offline edits on two peers converge', async () => {
  const [a, b] = await Promise.all([peer(), peer()])
  const partyA = await a.createParty()
  const doc = await partyA.database.createItem<ObjectModel>({ type: 'doc', props: { v: 0 } })
  const partyB = await admitAndJoin(partyA, b)
  await partyB.sync.caughtUp()
  const partyId = partyA.id

  // B goes offline; both edit the same item and add items while apart.
  const dirB = b.directory
  await close(b)
  await doc.model.set('v', 'a-offline')
  await partyA.database.createItem({ type: 'doc', props: { by: 'a' } })
  const b2 = await ECHO.create({ directory: dirB }) // no network: edits stay local
  const docB = b2.getParty(partyId)!.database.getItem<ObjectModel>(doc.id)!
  await docB.model.set('v', 'b-offline')
  await b2.getParty(partyId)!.database.createItem({ type: 'doc', props: { by: 'b' } })
  await b2.close()

  // B comes back online: both sides catch up and agree.
  const b3 = await peer(dirB)
  const partyB3 = b3.getParty(partyId)!
  await partyB3.sync.caughtUp()
  await converge([partyA, partyB3])
  expect(itemsOf(partyB3)).toEqual(itemsOf(partyA))
  expect(partyA.database.select({ type: 'doc' }).value).toHaveLength(3)
  expect(['a-offline', 'b-offline']).toContain(doc.model.get('v'))
})

test("a party's peers are the peers replicating its feeds, not every connection of the instance", async () => {
  const [a, b] = await Promise.all([peer(), peer()])
  const shared = await a.createParty()
  const alone = await a.createParty()
  const sharedB = await admitAndJoin(shared, b)
  await sharedB.sync.caughtUp()
  await shared.sync.caughtUp()
  expect(a.network?.connections).toBe(1)
  expect(shared.sync.progress().peers).toBe(1)
  expect(sharedB.sync.progress().peers).toBe(1)
  expect(alone.sync.progress().peers).toBe(0)
})

test('closing a party leaves its topic; without network options nothing is networked', async () => {
  const a = await peer()
  const party = await a.createParty()
  expect(a.network?.swarm.connections.size).toBe(0)
  await party.close()
  await party.open()
  const offline = await ECHO.create({ directory: await dirs.make() })
  try {
    expect(offline.network).toBeUndefined()
    await offline.createParty()
  } finally {
    await offline.close()
  }
})

test('dropped connections come back and replication resumes', async () => {
  const [a, b] = await Promise.all([peer(), peer()])
  const partyA = await a.createParty()
  const partyB = await admitAndJoin(partyA, b)
  await converge([partyA, partyB])
  const before = a.network!.connections
  expect(before).toBeGreaterThan(0)
  for (const connection of [...a.network!.swarm.connections]) connection.destroy()
  const note = await partyA.database.createItem({ type: 'note', props: { after: 'drop' } })
  await converge([partyA, partyB])
  expect(partyB.database.getItem(note.id)?.model.state).toEqual({ after: 'drop' })
  expect(a.network!.connections).toBeGreaterThan(0)
})
