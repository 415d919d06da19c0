import type { ObjectModel } from '@echodb/models'
import type { ECHO } from './echo'
import { admitAndJoin, connect, converge, openEcho, TempDirs } from './testing/temp-echo'
import { settle, stateOf } from './testing/settle'

const dirs = new TempDirs()
const open: ECHO[] = []
const links: Array<() => void> = []
afterEach(async () => {
  for (const unlink of links.splice(0)) unlink()
  await Promise.all(open.splice(0).map(async (e) => await e.close()))
  await dirs.cleanup()
})

test('an admin removed while it admitted a member: every peer drops the new member\'s items', async () => {
  const [a, e, d] = await Promise.all([openEcho(dirs), openEcho(dirs), openEcho(dirs)])
  open.push(a, e, d)
  const unlinkAE = connect(a, e)
  const partyA = await a.createParty()
  const shared = await partyA.database.createItem({ type: 'doc', props: { v: 'start' } })
  const partyE = await admitAndJoin(partyA, e, 'admin')
  await converge([partyA, partyE])
  unlinkAE()

  // Offline from A, E (still an admin in its own view) admits D; D writes; E writes after seeing D's item, so
  // E's later blocks name D's feed in their timeframes.
  links.push(connect(e, d))
  const partyD = await admitAndJoin(partyE, d, 'writer')
  await converge([partyE, partyD])
  const byD = await partyD.database.createItem({ type: 'by-d' })
  await partyD.database.getItem<ObjectModel>(shared.id)!.model.set('v', 'by d')
  await converge([partyE, partyD])
  const byE = await partyE.database.createItem({ type: 'by-e' })
  await converge([partyE, partyD])
  expect(partyE.database.getItem(byD.id)).toBeDefined()

  // Meanwhile A writes (its blocks get larger seqs than E's admission of D) and removes E, cutting E's feed
  // where A had read it: E's admission of D is past the cut-off, so D was never a member.
  for (let i = 0; i < 20; i++) await partyA.database.createItem({ type: 'by-a' })
  await partyA.removeMember(e.identity.publicKey)

  links.push(connect(a, e), connect(a, d))
  await settle([partyA, partyE, partyD])

  for (const party of [partyA, partyE, partyD]) {
    expect(party.database.getItem(byD.id)).toBeUndefined()
    expect(party.database.getItem(byE.id)).toBeUndefined()
    expect(party.database.getItem<ObjectModel>(shared.id)!.model.get('v')).toBe('start')
    expect(party.members.value.map((m) => m.identityKey.toString('hex'))).toEqual([a.identity.publicKey.toString('hex')])
  }
  expect(stateOf(partyE)).toEqual(stateOf(partyA))
  expect(stateOf(partyD)).toEqual(stateOf(partyA))
  // A reads every block of E's feed (cut past the cut-off), even those that need D's feed first.
  expect(partyA.timeframe.get(partyE.ownFeed.id)).toBe(partyE.ownFeed.length)
})

test('two removals cutting one writer at different places reach a peer that applied all its writes', async () => {
  // C applied every write of W; then B's removal of W (a late cut-off) makes it rebuild, and A's (an earlier one)
  // arrives while it replays or after: C must end where A and B are, whichever removal comes first in the order.
  const [a, b, c, w] = await Promise.all([openEcho(dirs), openEcho(dirs), openEcho(dirs), openEcho(dirs)])
  open.push(a, b, c, w)
  const unlink = [connect(a, b), connect(a, c), connect(a, w)]
  const partyA = await a.createParty()
  const partyB = await admitAndJoin(partyA, b, 'admin')
  const partyC = await admitAndJoin(partyA, c, 'writer')
  const partyW = await admitAndJoin(partyA, w, 'writer')
  await converge([partyA, partyB, partyC, partyW])
  for (const u of unlink) u()
  const writes: string[] = []
  const write = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) writes.push((await partyW.database.createItem({ type: 'w', props: { i: writes.length } })).id)
  }
  const unlinkWB = connect(w, b)
  links.push(connect(w, c))
  await write(3)
  await converge([partyW, partyB, partyC])
  unlinkWB()
  await write(40)
  await converge([partyW, partyC])
  await partyA.removeMember(w.identity.publicKey) // cuts W's feed before the 3 writes
  await partyB.removeMember(w.identity.publicKey) // cuts it after them

  let rebuilds = 0
  partyC.on('close', () => {
    rebuilds++
    if (rebuilds === 1) links.push(connect(a, c)) // A's removal arrives while C replays
  })
  links.push(connect(b, c))
  await settle([partyB, partyC])
  links.push(connect(a, b), connect(a, w), connect(b, w))
  await settle([partyA, partyB, partyC, partyW])
  const expected = stateOf(partyA)
  expect(stateOf(partyB)).toEqual(expected)
  expect(stateOf(partyC)).toEqual(expected)
  expect(stateOf(partyW)).toEqual(expected)
  const kept = writes.filter((id) => partyA.database.getItem(id) !== undefined).length
  expect([0, 3]).toContain(kept)
  expect(rebuilds).toBeGreaterThanOrEqual(1)
})
