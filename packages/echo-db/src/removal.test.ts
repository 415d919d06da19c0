import type { ObjectModel } from '@echodb/models'
import type { ECHO } from './echo'
import type { Party } from './party'
import { admitAndJoin, connect, converge, openEcho, TempDirs } from './testing/temp-echo'

const dirs = new TempDirs()
const open: ECHO[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (e) => await e.close()))
  await dirs.cleanup()
})

function itemsOf (party: Party): unknown {
  return party.database.items.map((item) => [item.id, item.deleted, item.model.state])
}

async function until (check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

test('a removed member\'s writes after its cut-off are ignored by every peer, itself included', async () => {
  const [a, b, c] = await Promise.all([openEcho(dirs), openEcho(dirs), openEcho(dirs)])
  open.push(a, b, c)
  const unpipeAB = connect(a, b)
  const unpipeAC = connect(a, c)
  const partyA = await a.createParty()
  const doc = await partyA.database.createItem<ObjectModel>({ type: 'doc', props: { v: 'start' } })
  const partyB = await admitAndJoin(partyA, b)
  const partyC = await admitAndJoin(partyA, c)
  await converge([partyA, partyB, partyC])

  // B writes once while connected (valid), then is cut off and keeps writing.
  const kept = await partyB.database.createItem({ type: 'note', props: { by: 'b, before removal' } })
  await converge([partyA, partyB, partyC])
  unpipeAB()
  const late = await partyB.database.createItem({ type: 'note', props: { by: 'b, after removal' } })
  await partyB.database.getItem<ObjectModel>(doc.id)!.model.set('v', 'vandalised')

  // A removes B: B's feed stays valid up to what A processed of it, which excludes the late writes.
  await partyA.removeMember(b.identity.publicKey)
  await converge([partyA, partyC])
  expect(partyC.members.value.map((m) => m.identityKey.toString('hex'))).not.toContain(b.identity.publicKey.toString('hex'))

  // B reconnects: A and C receive the late blocks and skip them; B learns of its removal and rebuilds without them.
  const unpipe = connect(a, b)
  const partyB2 = b.getParty(partyA.id)!
  await until(() => partyB2.isOpen && partyB2.role === undefined && partyB2.database.getItem(late.id) === undefined)
  await converge([partyA, partyC, partyB2])

  for (const party of [partyA, partyC, partyB2]) {
    expect(party.database.getItem(late.id)).toBeUndefined()
    expect(party.database.getItem(kept.id)).toBeDefined()
    expect(party.database.getItem<ObjectModel>(doc.id)!.model.get('v')).toBe('start')
  }
  expect(itemsOf(partyB2)).toEqual(itemsOf(partyA))
  expect(itemsOf(partyC)).toEqual(itemsOf(partyA))
  expect(partyA.rejections).toEqual({ NOT_A_WRITER: 3 }) // the late item's genesis and props, and the vandalising set
  await expect(partyB2.database.createItem({ type: 'note' })).rejects.toMatchObject({ code: 'NOT_A_WRITER' })
  unpipe()
  unpipeAC()
})
