import { InvitationError } from '@echodb/credentials'
import type { ECHO } from '../echo'
import type { Party } from '../party'
import { converge } from '../testing/temp-echo'
import { swarmPeers } from '../testing/swarm-peers'

// Real Hyperswarm on hyperdht's local testnet (127.0.0.1 only).
const { peer: startPeer, close } = swarmPeers()
const peer = async (name: string): Promise<ECHO> => await startPeer({ name })

function stateOf (party: Party): unknown {
  return {
    members: party.members.value.map((m) => [m.displayName, m.role]),
    items: party.database.items.map((item) => [item.id, item.model.state])
  }
}

test('three peers: create a party, invite the two others, edit, converge', async () => {
  const [alice, bob, carol] = await Promise.all([peer('alice'), peer('bob'), peer('carol')])
  const party = await alice.createParty({ properties: { title: 'trio' } })
  await party.database.createItem({ type: 'note', props: { text: 'before anyone joined' } })

  const forBob = await party.createInvitation()
  expect(forBob.secret).toMatch(/^\d{6,}$/)
  const progress: number[] = []
  const [bobsParty, accepted] = await Promise.all([
    bob.joinParty(forBob.code, forBob.secret, { onProgress: (p) => progress.push(p.processed) }),
    forBob.done
  ])
  expect(accepted.identityKey.equals(bob.identity.publicKey)).toBe(true)
  expect(bobsParty.properties.get('title')).toBe('trio')
  expect(bobsParty.role).toBe('writer')
  expect(bobsParty.database.select({ type: 'note' }).value).toHaveLength(1) // caught up when joinParty resolved

  const forCarol = await party.createInvitation({ role: 'reader', secret: 'correct horse battery' })
  const carolsParty = await carol.joinParty(forCarol.code, 'correct horse battery')
  expect(carolsParty.role).toBe('reader')
  await expect(carolsParty.database.createItem({ type: 'note' })).rejects.toMatchObject({ code: 'NOT_A_WRITER' })

  await Promise.all([
    party.database.createItem({ type: 'note', props: { by: 'alice' } }),
    bobsParty.database.createItem({ type: 'note', props: { by: 'bob' } })
  ])
  await converge([party, bobsParty, carolsParty])
  expect(stateOf(bobsParty)).toEqual(stateOf(party))
  expect(stateOf(carolsParty)).toEqual(stateOf(party))
  expect(party.members.value.map((m) => m.displayName).sort()).toEqual(['alice', 'bob', 'carol'])
})

test('three wrong secrets kill an invitation; the invitee gets typed errors with attempts left', async () => {
  const [alice, mallory] = await Promise.all([peer('alice'), peer('mallory')])
  const party = await alice.createParty()
  const invitation = await party.createInvitation()
  const attempts: Array<string | undefined> = []
  invitation.on('attempt', (a) => attempts.push(a.reason))
  const wrong = invitation.secret === '000000' ? '111111' : '000000'

  await expect(mallory.joinParty(invitation.code, wrong)).rejects.toMatchObject({ code: 'WRONG_SECRET', attemptsLeft: 2 })
  await expect(mallory.joinParty(invitation.code, wrong)).rejects.toMatchObject({ code: 'WRONG_SECRET', attemptsLeft: 1 })
  await expect(mallory.joinParty(invitation.code, wrong)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' })
  await expect(invitation.done).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' })
  expect(attempts).toEqual(['WRONG_SECRET', 'WRONG_SECRET', 'TOO_MANY_ATTEMPTS'])
  // Even the right secret is refused now; the greeter is no longer reachable on the invitation's topic.
  await expect(mallory.joinParty(invitation.code, invitation.secret, { timeout: 1500 })).rejects.toBeInstanceOf(InvitationError)
  expect(party.members.value).toHaveLength(1)
})

test('expired, cancelled and malformed invitations are refused with a reason', async () => {
  const [alice, bob] = await Promise.all([peer('alice'), peer('bob')])
  const party = await alice.createParty()
  const soon = await party.createInvitation({ expiresAt: Date.now() + 50 })
  await expect(soon.done).rejects.toMatchObject({ code: 'EXPIRED' })
  await expect(bob.joinParty(soon.code, soon.secret, { timeout: 1500 })).rejects.toMatchObject({ code: expect.stringMatching(/EXPIRED|UNREACHABLE/) })

  const cancelled = await party.createInvitation()
  await cancelled.cancel()
  await expect(cancelled.done).rejects.toMatchObject({ code: 'CANCELLED' })

  await expect(bob.joinParty('echo1notacode', '123456')).rejects.toMatchObject({ code: 'INVALID_CODE' })
  const open = await party.createInvitation()
  await expect(bob.joinParty(open.code)).rejects.toMatchObject({ code: 'INVALID_SECRET' })
  expect(party.members.value).toHaveLength(1)
})

test('an unreachable greeter is reported as UNREACHABLE within the timeout', async () => {
  const [alice, bob] = await Promise.all([peer('alice'), peer('bob')])
  const party = await alice.createParty()
  const invitation = await party.createInvitation()
  await close(alice)
  await expect(bob.joinParty(invitation.code, invitation.secret, { timeout: 1000 })).rejects.toMatchObject({ code: 'UNREACHABLE' })
})

test('an offline invitation admits a known key in advance; it joins later through any online member', async () => {
  const [alice, bob, dave] = await Promise.all([peer('alice'), peer('bob'), peer('dave')])
  const party = await alice.createParty({ properties: { title: 'club' } })
  const forBob = await party.createInvitation()
  const bobsParty = await bob.joinParty(forBob.code, forBob.secret)

  const code = await party.admitKey(dave.identity.publicKey, 'writer')
  await converge([party, bobsParty])
  // The admin goes offline; dave joins through bob.
  await close(alice)
  const davesParty = await dave.joinParty(code)
  expect(davesParty.properties.get('title')).toBe('club')
  expect(davesParty.role).toBe('writer')
  await davesParty.database.createItem({ type: 'note', props: { by: 'dave' } })
  await converge([bobsParty, davesParty])
  expect(bobsParty.database.select({ type: 'note' }).value).toHaveLength(1)
})
