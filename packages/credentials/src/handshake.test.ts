import { echo } from '@echodb/proto'
import { type MessageChannel, createChannelPair } from './channel'
import { InvitationError } from './errors'
import { type GreetResult, type Greeter, MAX_ENDED_KEPT, createOfflineInvitation } from './greeter'
import { encodeMessage } from './handshake'
import { decodeInvitationCode, encodeInvitationCode } from './invitation-code'
import { type JoinResult, acceptInvitation, joinAsMember } from './invitee'
import { createKeyRemove } from './credentials'
import { discoveryKey, generateKeyPair, keyToHex, sign } from './keys'
import { DEFAULT_KDF, TEST_KDF } from './secret'
import { InvitationParty } from './test-fixtures/invitation-party'
import { type Person, hex, person } from './test-fixtures/party-world'

/** Connects an invitee (key `inviteeKey`) to `greeter` (key `greeterKey`) and runs both sides. */
async function meet (
  greeter: Greeter,
  greeterKey: Buffer,
  run: (channel: MessageChannel) => Promise<JoinResult>,
  inviteeKey = generateKeyPair().publicKey
): Promise<{ joined: JoinResult | InvitationError, served: GreetResult, sent: Buffer[] }> {
  const [greeterSide, inviteeSide] = createChannelPair(greeterKey, inviteeKey)
  // Record everything the invitee sends.
  const sent: Buffer[] = []
  const send = inviteeSide.send.bind(inviteeSide)
  inviteeSide.send = (m) => { sent.push(Buffer.from(m)); send(m) }
  const [joined, served] = await Promise.all([
    run(inviteeSide).catch((err: unknown) => {
      if (err instanceof InvitationError) return err
      throw err
    }),
    greeter.serve(greeterSide)
  ])
  return { joined, served, sent }
}

function join (invitee: Person, code: string, secret: string, extra: { displayName?: string, reader?: boolean } = {}) {
  return async (channel: MessageChannel) => await acceptInvitation(channel, code, secret, {
    identity: invitee.identity,
    feed: extra.reader === true ? undefined : invitee.feed,
    displayName: extra.displayName
  })
}

describe('invitation handshake (in-memory channel)', () => {
  test('a writer joins: KeyAdmit, FeedAdmit and name are written before the invitee is welcomed', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code, secret } = await greeter.createInvitation({ role: 'writer' })
    expect(secret).toMatch(/^\d{6}$/)
    const invitee = person('invitee')
    const { joined, served } = await meet(greeter, channelKey, join(invitee, code, secret, { displayName: 'Ines' }))

    expect(served).toMatchObject({ status: 'admitted', role: 'writer' })
    if (joined instanceof Error) throw joined
    expect(hex(joined.partyKey)).toBe(hex(party.world.partyKey))
    expect(joined.role).toBe('writer')
    expect(hex(joined.genesisFeedKey)).toBe(party.creator.feedId)
    expect(joined.feeds.map((f) => hex(f.feedKey)).sort()).toEqual([party.creator.feedId, invitee.feedId].sort())
    expect(joined.written).toHaveLength(3)
    // The greeter's state (fed by its own feed) has the new member.
    expect(party.state.getRole(invitee.identity.publicKey)).toBe('writer')
    expect(party.state.isFeedAdmitted(invitee.feedKey)).toBe(true)
    expect(party.state.getMember(invitee.identity.publicKey)?.displayName).toBe('Ines')
    expect(party.admissions[0].credentials).toHaveLength(3)
    expect(greeter.getInvitation(party.admissions[0].invitationId as string)).toMatchObject({ status: 'used-up', uses: 1 })
  })

  test('a reader joins without a feed', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code, secret } = await greeter.createInvitation({ role: 'reader', secret: 'correct horse battery staple' })
    const invitee = person('reader')
    const { joined } = await meet(greeter, channelKey, join(invitee, code, secret))
    expect(joined).toMatchObject({ role: 'reader' })
    expect(party.state.getRole(invitee.identity.publicKey)).toBe('reader')
    expect(party.state.isFeedAdmitted(invitee.feedKey)).toBe(false)
    expect(party.admissions[0].credentials).toHaveLength(1)
  })

  test('the secret never travels: only a proof keyed by scrypt(secret)', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const secret = 'a rather memorable passphrase'
    const { code } = await greeter.createInvitation({ secret })
    const { joined, sent } = await meet(greeter, channelKey, join(person('x'), code, secret))
    expect(joined).not.toBeInstanceOf(Error)
    const all = Buffer.concat(sent)
    expect(all.includes(Buffer.from(secret))).toBe(false)
    expect(all.includes(Buffer.from('memorable'))).toBe(false)
  })

  test('the default (interactive) key derivation works too', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter(party.creator, { kdf: DEFAULT_KDF })
    const { code, secret } = await greeter.createInvitation()
    const { joined } = await meet(greeter, channelKey, join(person('x'), code, secret))
    expect(joined).toMatchObject({ role: 'writer' })
  })

  test('three wrong secrets kill the invitation', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code, secret, id } = await greeter.createInvitation()
    const wrong = secret === '000000' ? '111111' : '000000'
    const results = []
    for (let i = 0; i < 3; i++) results.push((await meet(greeter, channelKey, join(person(`w${i}`), code, wrong))).joined)
    expect(results.map((r) => (r as InvitationError).reason)).toEqual(['WRONG_SECRET', 'WRONG_SECRET', 'TOO_MANY_ATTEMPTS'])
    expect(results.map((r) => (r as InvitationError).attemptsLeft)).toEqual([2, 1, undefined])
    expect(greeter.getInvitation(id)).toMatchObject({ status: 'dead', attemptsLeft: 0 })
    const { joined, served } = await meet(greeter, channelKey, join(person('late'), code, secret))
    expect(joined).toMatchObject({ reason: 'TOO_MANY_ATTEMPTS' })
    expect(served).toMatchObject({ status: 'refused', reason: 'TOO_MANY_ATTEMPTS' })
    expect(party.state.listMembers()).toHaveLength(1)
  })

  test('a PIN typed in groups is the same PIN; too short a secret is refused', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code } = await greeter.createInvitation({ secret: '123456' })
    const { joined } = await meet(greeter, channelKey, join(person('x'), code, ' 123-456 '))
    expect(joined).toMatchObject({ role: 'writer' })
    await expect(greeter.createInvitation({ secret: '12345' })).rejects.toMatchObject({ reason: 'INVALID_SECRET' })
  })

  test('an expired invitation is refused', async () => {
    const party = new InvitationParty()
    let now = 1000
    const { greeter, channelKey } = party.greeter(party.creator, { now: () => now })
    const { code, secret, id } = await greeter.createInvitation({ expiresAt: 2000 })
    now = 2000
    const { joined, served } = await meet(greeter, channelKey, join(person('x'), code, secret))
    expect(joined).toBeInstanceOf(InvitationError)
    expect(joined).toMatchObject({ reason: 'EXPIRED', code: 'EXPIRED' })
    expect((joined as Error).message).toMatch(/expired/)
    expect(served).toMatchObject({ status: 'refused', reason: 'EXPIRED' })
    expect(greeter.getInvitation(id)?.status).toBe('expired')
  })

  test('used-up, multi-use, revoked and unknown invitations', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const once = await greeter.createInvitation()
    expect((await meet(greeter, channelKey, join(person('a'), once.code, once.secret))).joined).toMatchObject({ role: 'writer' })
    expect((await meet(greeter, channelKey, join(person('b'), once.code, once.secret))).joined).toMatchObject({ reason: 'USED_UP' })

    const twice = await greeter.createInvitation({ maxUses: 2, role: 'admin' })
    for (const name of ['c', 'd']) {
      expect((await meet(greeter, channelKey, join(person(name), twice.code, twice.secret))).joined).toMatchObject({ role: 'admin' })
    }
    expect((await meet(greeter, channelKey, join(person('e'), twice.code, twice.secret))).joined).toMatchObject({ reason: 'USED_UP' })

    const revoked = await greeter.createInvitation()
    expect(greeter.revokeInvitation(revoked.id)).toBe(true)
    expect((await meet(greeter, channelKey, join(person('f'), revoked.code, revoked.secret))).joined).toMatchObject({ reason: 'UNKNOWN_INVITATION' })

    const unknown = encodeInvitationCode({ kind: 'secret', greeterKey: channelKey, invitationId: Buffer.alloc(16, 9) })
    expect((await meet(greeter, channelKey, join(person('g'), unknown, '123456'))).joined).toMatchObject({ reason: 'UNKNOWN_INVITATION' })
    expect(party.state.listMembers()).toHaveLength(4)
  })

  test('an ended invitation refuses with its reason for keepEndedFor, then is forgotten', async () => {
    const party = new InvitationParty()
    let now = 1000
    const { greeter, channelKey } = party.greeter(party.creator, { now: () => now, keepEndedFor: 150 })
    const events: string[] = []
    greeter.on('ended', (id, status) => events.push(`ended ${id.slice(0, 4)} ${status}`))
    greeter.on('forgotten', (id) => events.push(`forgotten ${id.slice(0, 4)}`))
    const once = await greeter.createInvitation()
    const soon = await greeter.createInvitation({ expiresAt: 1500, keepEndedFor: 1000 })
    expect((await meet(greeter, channelKey, join(person('a'), once.code, once.secret))).joined).toMatchObject({ role: 'writer' })
    expect(events).toEqual([`ended ${once.id.slice(0, 4)} used-up`])
    expect((await meet(greeter, channelKey, join(person('b'), once.code, once.secret))).joined).toMatchObject({ reason: 'USED_UP' })
    now = 1500 // the clock says expired before the timer fires: the attempt still learns why
    expect((await meet(greeter, channelKey, join(person('c'), soon.code, soon.secret))).joined).toMatchObject({ reason: 'EXPIRED' })
    expect(events).toContain(`ended ${soon.id.slice(0, 4)} expired`)
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(greeter.getInvitation(once.id)).toBeUndefined() // its 150 ms are over
    expect(greeter.handles(Buffer.from(once.id, 'hex'))).toBe(false)
    expect(greeter.getInvitation(soon.id)).toMatchObject({ status: 'expired' }) // kept 1 s
    expect((await meet(greeter, channelKey, join(person('d'), once.code, once.secret))).joined).toMatchObject({ reason: 'UNKNOWN_INVITATION' })
    await new Promise((resolve) => setTimeout(resolve, 900))
    expect(greeter.getInvitation(soon.id)).toBeUndefined()
    expect(events).toEqual([
      `ended ${once.id.slice(0, 4)} used-up`, `ended ${soon.id.slice(0, 4)} expired`,
      `forgotten ${once.id.slice(0, 4)}`, `forgotten ${soon.id.slice(0, 4)}`
    ])
    await expect(greeter.createInvitation({ keepEndedFor: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  test('a greeter keeps at most MAX_ENDED_KEPT ended invitations; close() forgets everything and serves nothing', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const forgotten: string[] = []
    greeter.on('forgotten', (id) => forgotten.push(id))
    const ids: string[] = []
    for (let i = 0; i <= MAX_ENDED_KEPT; i++) ids.push((await greeter.createInvitation({ expiresAt: 0 })).id)
    await new Promise((resolve) => setTimeout(resolve, 100)) // their expiry timers fire
    expect(forgotten).toEqual([ids[0]]) // the oldest ended one made room
    expect(greeter.getInvitation(ids[1])).toMatchObject({ status: 'expired' })
    const open = await greeter.createInvitation()
    let closed = 0
    greeter.on('close', () => closed++)
    greeter.close()
    greeter.close()
    expect(closed).toBe(1)
    expect(forgotten).toHaveLength(MAX_ENDED_KEPT + 2)
    expect(greeter.getInvitation(open.id)).toBeUndefined()
    expect(greeter.handles(Buffer.from(open.id, 'hex'))).toBe(false)
    expect(greeter.handles(discoveryKey(party.world.partyKey))).toBe(false)
    expect((await meet(greeter, channelKey, join(person('x'), open.code, open.secret))).joined).toMatchObject({ reason: 'UNKNOWN_INVITATION' })
    await expect(greeter.createInvitation()).rejects.toMatchObject({ reason: 'NOT_ALLOWED' })
  })

  test('the invitee talks to no one but the greeter named by the code', async () => {
    const party = new InvitationParty()
    const { greeter } = party.greeter()
    const { code, secret } = await greeter.createInvitation()
    const impostorKey = generateKeyPair().publicKey
    const { joined, served, sent } = await meet(greeter, impostorKey, join(person('x'), code, secret))
    expect(joined).toMatchObject({ reason: 'GREETER_MISMATCH' })
    expect(sent).toHaveLength(0)
    expect(served).toMatchObject({ status: 'failed', reason: 'CHANNEL_CLOSED' })
  })

  test('a failed write refuses the invitee and does not spend the invitation', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code, secret, id } = await greeter.createInvitation()
    party.failNextAdmit = new Error('disk full')
    const first = await meet(greeter, channelKey, join(person('x'), code, secret))
    expect(first.joined).toMatchObject({ reason: 'ADMISSION_FAILED' })
    expect((first.joined as Error).message).toMatch(/disk full/)
    expect(greeter.getInvitation(id)).toMatchObject({ status: 'open', uses: 0 })
    expect((await meet(greeter, channelKey, join(person('y'), code, secret))).joined).toMatchObject({ role: 'writer' })
  })

  test('only an admin can invite, and an admin removed meanwhile can no longer admit', async () => {
    const party = new InvitationParty()
    const writer = person('writer')
    party.admitDirectly(writer, 'writer')
    await expect(party.greeter(writer).greeter.createInvitation()).rejects.toMatchObject({ reason: 'NOT_ALLOWED' })

    const admin = person('admin')
    party.admitDirectly(admin, 'admin')
    const { greeter, channelKey } = party.greeter(admin)
    const { code, secret } = await greeter.createInvitation()
    party.write([createKeyRemove({
      partyKey: party.world.partyKey,
      admin: party.creator.identity,
      identityKey: admin.identity.publicKey,
      cutoffs: party.state.removalCutoffs(admin.identity.publicKey, (feedKey) => party.world.length(feedKey))
    })])
    const { joined, served } = await meet(greeter, channelKey, join(person('x'), code, secret))
    expect(joined).toMatchObject({ reason: 'NOT_ALLOWED' })
    expect(served).toMatchObject({ status: 'refused', reason: 'NOT_ALLOWED' })
    expect(party.admissions).toHaveLength(0)
  })

  test('one use, two invitees at once: the second is told the invitation is busy', async () => {
    const party = new InvitationParty()
    let release: () => void = () => {}
    let admitting: () => void = () => {}
    const started = new Promise<void>((resolve) => { admitting = resolve })
    const { greeter, channelKey } = party.greeter(party.creator, {
      admit: async (admission) => {
        admitting()
        await new Promise<void>((resolve) => { release = resolve })
        party.write(admission.credentials)
      }
    })
    const { code, secret } = await greeter.createInvitation()
    const first = meet(greeter, channelKey, join(person('a'), code, secret))
    await started // the first invitee holds the only use while its admission is being written
    const second = await meet(greeter, channelKey, join(person('b'), code, secret))
    expect(second.joined).toMatchObject({ reason: 'BUSY' })
    release()
    expect((await first).joined).toMatchObject({ role: 'writer' })
    expect((await meet(greeter, channelKey, join(person('c'), code, secret))).joined).toMatchObject({ reason: 'USED_UP' })
  })
})

describe('offline invitation: an identity admitted in advance joins through any member', () => {
  test('a writer member admits the new member\'s feed and hands over the keys', async () => {
    const party = new InvitationParty()
    const helper = person('helper')
    party.admitDirectly(helper, 'writer')
    const newcomer = person('newcomer')
    // The admin admits the newcomer's identity in advance, offline.
    party.admitDirectly(newcomer, 'reader') // reader first, then promoted by the offline invitation
    const { code, credential } = createOfflineInvitation({ partyKey: party.world.partyKey, admin: party.creator.identity, identityKey: newcomer.identity.publicKey, role: 'writer' })
    party.write([credential])
    const { greeter, channelKey } = party.greeter(helper)
    const { joined, served } = await meet(greeter, channelKey, async (channel) => await joinAsMember(channel, code, { identity: newcomer.identity, feed: newcomer.feed, displayName: 'New' }))
    expect(served).toMatchObject({ status: 'admitted', role: 'writer', invitationId: null })
    expect(joined).toMatchObject({ role: 'writer' })
    expect(party.state.isFeedAdmitted(newcomer.feedKey)).toBe(true)
    expect(hex(party.state.getFeedOwner(newcomer.feedKey))).toBe(keyToHex(newcomer.identity.publicKey))
    expect(party.state.getMember(newcomer.identity.publicKey)?.displayName).toBe('New')
    // The FeedAdmit went into the helper's feed.
    expect(party.admissions[0].credentials).toHaveLength(2)
  })

  test('an identity that was not admitted is refused; the party key alone proves nothing', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const stranger = person('stranger')
    const { joined } = await meet(greeter, channelKey, async (channel) => await joinAsMember(channel, party.world.partyKey, { identity: stranger.identity, feed: stranger.feed }))
    expect(joined).toMatchObject({ reason: 'NOT_A_MEMBER' })
    expect(party.admissions).toHaveLength(0)
  })

  test('a reader member rejoins without a feed; nothing needs writing', async () => {
    const party = new InvitationParty()
    const reader = person('reader')
    party.admitDirectly(reader, 'reader')
    const { greeter, channelKey } = party.greeter()
    const { joined } = await meet(greeter, channelKey, async (channel) => await joinAsMember(channel, party.world.partyKey, { identity: reader.identity, feed: reader.feed }))
    expect(joined).toMatchObject({ role: 'reader', written: [] })
    expect(party.admissions).toHaveLength(0)
  })
})

describe('hostile peers', () => {
  /** A scripted peer: answers each message it receives with the next of `replies`. */
  function scripted (channel: MessageChannel, replies: Array<(received: echo.HandshakeMessage) => Uint8Array | null>): void {
    let i = 0
    channel.onmessage = (bytes) => {
      const reply = replies[i++]?.(echo.HandshakeMessage.decode(bytes))
      if (reply != null) channel.send(reply)
    }
  }

  test('a greeter that does not know the secret is found out before the invitee signs anything', async () => {
    const greeterKey = generateKeyPair().publicKey
    const code = encodeInvitationCode({ kind: 'secret', greeterKey, invitationId: Buffer.alloc(16, 1) })
    const [g, i] = createChannelPair(greeterKey, generateKeyPair().publicKey)
    const seen: string[] = []
    scripted(g, [
      () => encodeMessage({ challenge: { nonce: Buffer.alloc(32, 2), salt: Buffer.alloc(32, 3), opsLimit: TEST_KDF.opsLimit, memLimit: TEST_KDF.memLimit } }),
      (m) => { seen.push(m.message as string); return encodeMessage({ admission: { partyKey: Buffer.alloc(32, 4), role: echo.Role.ROLE_WRITER, confirmation: Buffer.alloc(32) } }) },
      (m) => { seen.push(m.message as string); return null }
    ])
    const x = person('x')
    await expect(acceptInvitation(i, code, '123456', { identity: x.identity, feed: x.feed })).rejects.toMatchObject({ reason: 'GREETER_NOT_AUTHENTIC' })
    expect(seen).toEqual(['proof'])
  })

  test('a greeter that goes silent makes the invitee fail with TIMEOUT, not hang', async () => {
    const greeterKey = generateKeyPair().publicKey
    const code = encodeInvitationCode({ kind: 'secret', greeterKey, invitationId: Buffer.alloc(16, 1) })
    const [g, i] = createChannelPair(greeterKey, generateKeyPair().publicKey)
    g.onmessage = () => {} // reads, never answers
    const x = person('x')
    await expect(acceptInvitation(i, code, '123456', { identity: x.identity, timeout: 100 })).rejects.toMatchObject({ reason: 'TIMEOUT' })
    expect(i.closed).toBe(true)
  })

  test('an invitee refuses a key derivation that would cost too much', async () => {
    const greeterKey = generateKeyPair().publicKey
    const code = encodeInvitationCode({ kind: 'secret', greeterKey, invitationId: Buffer.alloc(16, 1) })
    const [g, i] = createChannelPair(greeterKey, generateKeyPair().publicKey)
    scripted(g, [() => encodeMessage({ challenge: { nonce: Buffer.alloc(32, 2), salt: Buffer.alloc(32, 3), opsLimit: TEST_KDF.opsLimit, memLimit: 8 * 1024 * 1024 * 1024 } })])
    const x = person('x')
    await expect(acceptInvitation(i, code, '123456', { identity: x.identity })).rejects.toMatchObject({ reason: 'PROTOCOL_ERROR' })
  })

  test('garbage, wrong messages and silence from an invitee end the handshake without harm', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter(party.creator, { timeout: 100 })
    const { code } = await greeter.createInvitation()
    const { invitationId } = decodeInvitationCode(code) as { invitationId: Buffer }
    const cases: Array<[Uint8Array[], string]> = [
      [[Buffer.from([0xff, 0xff, 0xff])], 'PROTOCOL_ERROR'],
      [[encodeMessage({ welcome: {} })], 'PROTOCOL_ERROR'],
      [[encodeMessage({ hello: { version: 2, invitationId } })], 'PROTOCOL_ERROR'],
      [[encodeMessage({ hello: { version: 1, invitationId, partyKey: party.world.partyKey } })], 'PROTOCOL_ERROR'],
      [[encodeMessage({ hello: { version: 1, invitationId } }), encodeMessage({ proof: { identityKey: Buffer.alloc(3) } })], 'PROTOCOL_ERROR'],
      [[encodeMessage({ hello: { version: 1, invitationId } })], 'TIMEOUT'],
      [[], 'TIMEOUT']
    ]
    for (const [messages, reason] of cases) {
      const [g, i] = createChannelPair(channelKey, generateKeyPair().publicKey)
      for (const m of messages) i.send(m)
      const served = await greeter.serve(g)
      expect(served).toMatchObject({ reason })
      i.close()
    }
    expect(greeter.getInvitation(keyToHex(invitationId))).toMatchObject({ status: 'open', attemptsLeft: 3 })
    expect(party.state.listMembers()).toHaveLength(1)
  })

  test('an invitee that brings someone else\'s FeedAdmit or a forged identity is refused', async () => {
    const party = new InvitationParty()
    const { greeter, channelKey } = party.greeter()
    const { code, secret } = await greeter.createInvitation()
    const x = person('x')
    const y = person('y')
    // x claims to be y: it cannot sign as y.
    const forged = { publicKey: y.identity.publicKey, sign: (m: Uint8Array) => sign(m, x.identity.secretKey) }
    const { joined } = await meet(greeter, channelKey, async (channel) => await acceptInvitation(channel, code, secret, { identity: forged, feed: x.feed }))
    expect(joined).toMatchObject({ reason: 'PROTOCOL_ERROR' })
    expect(party.state.listMembers()).toHaveLength(1)
  })
})

describe('invitation codes', () => {
  test('round-trip, forgive case and whitespace, catch typos', () => {
    const code = { kind: 'secret' as const, greeterKey: generateKeyPair().publicKey, invitationId: Buffer.alloc(16, 7) }
    const text = encodeInvitationCode(code)
    expect(text).toMatch(/^echo1[ybndrfg8ejkmcpqxot1uwisza345h769]+$/)
    expect(decodeInvitationCode(`  ${text.toUpperCase()} `)).toEqual(code)
    const typo = text.slice(0, 20) + (text[20] === 'y' ? 'b' : 'y') + text.slice(21)
    expect(() => decodeInvitationCode(typo)).toThrow(/checksum|invalid/i)
    expect(() => decodeInvitationCode('hello')).toThrow(InvitationError)
    expect(() => decodeInvitationCode('echo1!!!')).toThrow(/invitation code/)
    const member = { kind: 'member' as const, partyKey: generateKeyPair().publicKey }
    expect(decodeInvitationCode(encodeInvitationCode(member))).toEqual(member)
  })
})
