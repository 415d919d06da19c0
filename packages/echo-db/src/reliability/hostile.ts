import { join } from 'path'
import debug from 'debug'
import { echo } from '@echodb/proto'
import { decodeFeedBlock, encodeFeedBlock, Timeframe, type Feed } from '@echodb/feed-store'
import {
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis, generateKeyPair,
  type SignedCredential
} from '@echodb/credentials'
import { ObjectModel } from '@echodb/models'
import type { ECHO } from '../echo'
import type { Rejection, RejectionReason } from '../errors'
import type { Party } from '../party'
import type { PeerNetwork } from './network'
import { defaultSeed, Rng } from './rng'
import { partyDigest } from './state-digest'
import { runInHarness } from './harness-run'

const log = debug('echo:echo-db:reliability:hostile')

export interface HostileOptions {
  network: PeerNetwork
  /** Honest peers (2 or more; default 3). */
  honestPeers?: number
  /** Rounds of the final phase, in which the hostile peer keeps sending garbage while the honest peers write. */
  barrageRounds?: number
  seed?: number
  tmp?: string
  /** Longest wait for replication or processing of one step (default 10 s). */
  stepTimeoutMs?: number
  onAttack?: (attack: AttackResult) => void
}

/** One hostile input and what the honest peers made of it. */
export interface AttackResult {
  name: string
  /** 'rejected': every honest peer must reject each message with `reason`; 'held': no honest peer may process it. */
  expected: 'rejected' | 'held'
  /** What the honest peers reported (rejection reasons and details), or why the block waits. */
  reported: string[]
  /** Some honest peer's state changed (or a held block was processed). */
  accepted: boolean
  /** Some honest peer did not report the rejection expected for one of the messages. */
  unreported: boolean
  /** Some honest peer had not consumed it within the step timeout. */
  stalled: boolean
}

export interface HostileReport {
  seed: number
  network: string
  /** Hostile inputs sent: the named attacks plus the messages of the barrage. */
  tried: number
  /** Hostile inputs that changed an honest peer's state or were processed though they must wait. Must be 0. */
  accepted: number
  /** Hostile inputs some honest peer consumed without reporting the expected rejection. */
  unreported: number
  /** The honest peers ended with identical state and had all processed each other's writes. */
  honestConverged: boolean
  /** Writes the honest peers made while under attack (all replicated to every honest peer). */
  honestWrites: number
  attacks: AttackResult[]
  /** Per honest peer: rejection counts by reason. */
  rejections: Array<Partial<Record<RejectionReason, number>>>
  /** Uncaught errors seen while the harness ran (an honest peer crashing would show here). */
  errors: string[]
}

/** What one hostile block must do on every honest peer. */
interface Expectation {
  feed: Feed
  blockIndex: number
  /** 'rejected': the reason for each message (by index in block; -1: the whole block). 'held': why it waits. */
  expect: { kind: 'rejected', reasons: Array<[indexInBlock: number, reason: RejectionReason]> } | { kind: 'held', why: string }
}

interface Peer {
  echo: ECHO
  party: Party
  rejections: Map<string, Rejection[]>
}

const envelope = (e: echo.IEnvelope): Uint8Array => echo.Envelope.encode(e).finish()
const OBJECT_URL = ObjectModel.type.url

/** Flips one byte of a copy (a signature that no longer verifies). */
function tamper (bytes: Uint8Array, at = 0): Buffer {
  const copy = Buffer.from(bytes)
  copy[at % copy.length] ^= 0x5a
  return copy
}

function tamperedSignature (credential: SignedCredential, which = 0): SignedCredential {
  return {
    credential: credential.credential,
    signatures: credential.signatures!.map((s, i) => ({ key: s.key, signature: i === which ? tamper(s.signature as Uint8Array, 17) : s.signature }))
  }
}

async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}

async function waitUntil (condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const positionKey = (feedId: string, blockIndex: number): string => `${feedId}:${blockIndex}`

/**
 * The hostile-peer harness. Honest peers share a party with a hostile member (admitted as a writer, the strongest
 * position a peer can get without being an admin). The hostile peer appends raw blocks to its feeds, bypassing
 * every check of its own ECHO: undecodable blocks and messages, bad signatures, forged KeyAdmit/FeedAdmit/KeyRemove,
 * oversized blocks, timeframes naming future blocks or unknown feeds, a replayed genesis and replayed admissions,
 * and malformed item messages. For each attack, every honest peer must consume it without changing its state and
 * report the expected rejection (or, for a block whose timeframe can never be satisfied, never process it); after
 * each attack an honest write must reach every honest peer. A final barrage of garbage runs while every honest peer
 * writes, and the honest peers must converge to identical state.
 */
export async function runHostileHarness (options: HostileOptions): Promise<HostileReport> {
  const seed = options.seed ?? defaultSeed()
  const rng = new Rng(seed)
  const network = options.network
  const timeout = options.stepTimeoutMs ?? 10_000
  const honestCount = options.honestPeers ?? 3
  const report: HostileReport = {
    seed, network: network.kind, tried: 0, accepted: 0, unreported: 0, honestConverged: false, honestWrites: 0, attacks: [], rejections: [], errors: []
  }
  return await runInHarness({ prefix: 'echodb-hostile-', tmp: options.tmp, network, errors: report.errors }, async (root, echos) => {
    // --- set-up: honest peers, the hostile member, and the hostile member's extra feeds -----------------------
    const make = async (name: string): Promise<ECHO> => {
      const peer = await network.createPeer(join(root, name))
      echos.push(peer)
      return peer
    }
    const first = await make('honest-0')
    await first.setDisplayName('honest-0')
    const genesisParty = await first.createParty({ properties: { title: 'under attack' } })
    const honest: Peer[] = [{ echo: first, party: genesisParty, rejections: new Map() }]
    for (let i = 1; i < honestCount; i++) {
      const peer = await make(`honest-${i}`)
      await peer.setDisplayName(`honest-${i}`)
      honest.push({ echo: peer, party: await network.join(genesisParty, peer, i === 1 ? 'admin' : 'writer'), rejections: new Map() })
    }
    const hostileEcho = await make('hostile')
    await hostileEcho.setDisplayName('hostile')
    const hostile = await network.join(genesisParty, hostileEcho, 'writer')
    const extraFeeds: Feed[] = []
    for (let i = 0; i < 4; i++) {
      const feed = await hostileEcho.feedStore.createFeed()
      await hostile.admitFeed(feed)
      extraFeeds.push(feed)
    }
    for (const peer of honest) {
      peer.party.on('rejected', (r) => {
        const key = positionKey(r.feedKey, r.blockIndex)
        let list = peer.rejections.get(key)
        if (list === undefined) peer.rejections.set(key, list = [])
        list.push(r)
      })
    }
    const doc = await genesisParty.database.createItem<ObjectModel>({ type: 'doc', props: { title: 'honest', n: 1 } })

    const honestWrite = async (writer: Peer): Promise<void> => {
      const item = writer.party.database.getItem<ObjectModel>(doc.id)
      if (item === undefined) throw new Error(`honest peer is missing item ${doc.id}`)
      await item.model.set(`k${rng.int(0, 20)}`, rng.int(0, 1e6))
      report.honestWrites++
    }
    const syncHonest = async (): Promise<void> => {
      const target = new Timeframe()
      for (const peer of honest) target.set(peer.party.ownFeed.id, peer.party.ownFeed.length)
      await within(Promise.all(honest.map(async (peer) => await peer.party.waitForTimeframe(target))), timeout, 'honest peers syncing')
    }
    const syncAll = async (): Promise<void> => {
      await syncHonest()
      const target = new Timeframe([[hostile.ownFeed.key, hostile.ownFeed.length]])
      await within(Promise.all(honest.map(async (peer) => await peer.party.waitForTimeframe(target))), timeout, 'honest peers reading the hostile feed')
      for (const feed of extraFeeds) {
        await within(Promise.all(honest.map(async (peer) => {
          await waitUntil(() => peer.party.partyState.isFeedAdmitted(feed.key), timeout, 'hostile feed admission')
        })), timeout, 'hostile feeds admitted')
      }
    }
    await syncAll()

    // --- material for the attacks ---------------------------------------------------------------------------
    const partyKey = genesisParty.key
    const stranger = generateKeyPair()
    // The hostile peer signs with its own identity's secret key, as a real hostile member could.
    const hostileIdentity = await hostileEcho.keyStore.signer(hostileEcho.identity.publicKey)
    const adminKey = first.identity.publicKey
    const genesisFeed = await hostileEcho.feedStore.openFeed(genesisParty.partyState.genesis!.feedKey)
    const genesisEnvelope = decodeFeedBlock((await genesisFeed.core.get(0))!).messages[0]
    const hostileAdmission = await findKeyAdmit(genesisFeed, hostileEcho.identity.publicKey)
    const tf = (): echo.Timeframe.$Properties => hostile.timeframe.toProto()
    const block = (messages: Uint8Array[]): Uint8Array => encodeFeedBlock(tf(), messages)
    const credentialBlock = (credential: SignedCredential): Uint8Array => block([envelope({ credential })])
    const own = hostile.ownFeed
    /** An item id in `feed`'s id space (a genesis elsewhere is INVALID_ITEM_ID before anything else is checked). */
    const idOn = (feed: Feed, byte: string): string => byte.repeat(8) + feed.id.slice(0, 16)

    /** Appends raw bytes to a hostile feed; returns the block index. */
    const append = async (feed: Feed, bytes: Uint8Array): Promise<number> => {
      const result = await feed.core.append(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      return result.length - 1
    }
    const rejectedAs = (reasons: RejectionReason | RejectionReason[]) => (feed: Feed, blockIndex: number): Expectation => ({
      feed,
      blockIndex,
      expect: { kind: 'rejected', reasons: (Array.isArray(reasons) ? reasons : [reasons]).map((r, i) => [r === 'UNDECODABLE_BLOCK' ? -1 : i, r]) }
    })

    type Attack = { name: string, run: () => Promise<Expectation> }
    const simple = (name: string, bytes: () => Uint8Array, reasons: RejectionReason | RejectionReason[]): Attack =>
      ({ name, run: async () => rejectedAs(reasons)(own, await append(own, bytes())) })
    const credential = (name: string, make: () => SignedCredential): Attack =>
      simple(name, () => credentialBlock(make()), 'CREDENTIAL_REJECTED')
    const future = hostile.timeframe.clone()
    const honestFeed = genesisParty.ownFeed

    const attacks: Attack[] = [
      simple('undecodable block (not a FeedBlock)', () => Buffer.from('\xff\xff\xff\xffnot a block at all', 'latin1'), 'UNDECODABLE_BLOCK'),
      simple('truncated block', () => block([envelope({ item: { itemId: doc.id, mutation: { model: ObjectModel.encodeProps({ title: 'cut' }) } } })]).subarray(0, 30), 'UNDECODABLE_BLOCK'),
      simple('timeframe with a 5-byte feed key', () => echo.FeedBlock.encode({ timeframe: { entries: [{ feedKey: Buffer.alloc(5), length: 1 }] }, messages: [envelope({})] }).finish(), 'UNDECODABLE_BLOCK'),
      simple('timeframe with unsorted, repeated keys', () => echo.FeedBlock.encode({
        timeframe: { entries: [{ feedKey: Buffer.alloc(32, 9), length: 1 }, { feedKey: Buffer.alloc(32, 9), length: 2 }] }, messages: [envelope({})]
      }).finish(), 'UNDECODABLE_BLOCK'),
      simple('oversized block (1 MiB: over the 64 KiB block bound)', () => block([
        envelope({ item: { itemId: 'ee'.repeat(16), genesis: { modelType: OBJECT_URL, itemType: 'huge' } } }),
        envelope({ item: { itemId: 'ee'.repeat(16), mutation: { model: ObjectModel.encodeProps({ blob: 'x'.repeat(1024 * 1024) }) } } })
      ]), 'UNDECODABLE_BLOCK'),
      simple('oversized block of 100k tiny messages', () => block(Array.from({ length: 100_000 }, () => envelope({}))), 'UNDECODABLE_BLOCK'),
      simple('undecodable message in a good block', () => block([Buffer.from([0xff, 0xff, 0xff, 0xff])]), 'UNDECODABLE_MESSAGE'),
      simple('empty envelope', () => block([envelope({})]), 'EMPTY_ENVELOPE'),
      credential('KeyAdmit with a tampered signature', () => tamperedSignature(createKeyAdmit({ partyKey, admin: hostileIdentity, identityKey: stranger.publicKey, role: 'admin' }))),
      credential('IdentityInfo with a tampered signature', () => tamperedSignature(createIdentityInfo({ partyKey, identity: hostileIdentity, displayName: 'tampered' }))),
      credential('KeyAdmit forged by a writer (admits a stranger as admin)', () => createKeyAdmit({ partyKey, admin: hostileIdentity, identityKey: stranger.publicKey, role: 'admin' })),
      credential('KeyAdmit promoting itself to admin', () => createKeyAdmit({ partyKey, admin: hostileIdentity, identityKey: hostileIdentity.publicKey, role: 'admin' })),
      credential('KeyAdmit signed by a stranger', () => createKeyAdmit({ partyKey, admin: stranger, identityKey: stranger.publicKey, role: 'writer' })),
      credential('KeyAdmit claiming the admin\'s signature', () => {
        const forged = createKeyAdmit({ partyKey, admin: hostileIdentity, identityKey: stranger.publicKey, role: 'admin' })
        return { credential: forged.credential, signatures: [{ key: adminKey, signature: forged.signatures![0].signature }] }
      }),
      credential('FeedAdmit for a stranger and its feed', () => createFeedAdmit({ partyKey, identity: stranger, feed: generateKeyPair() })),
      credential('FeedAdmit of a new feed in the admin\'s name', () => {
        const forged = createFeedAdmit({ partyKey, identity: hostileIdentity, feed: generateKeyPair() })
        const body = echo.Credential.decode(forged.credential as Uint8Array)
        body.feedAdmit!.identityKey = adminKey
        const bytes = echo.Credential.encode(body).finish()
        return { credential: bytes, signatures: [{ key: adminKey, signature: forged.signatures![0].signature }, forged.signatures![1]] }
      }),
      credential('FeedAdmit stealing an honest peer\'s feed', () => {
        const forged = createFeedAdmit({ partyKey, identity: hostileIdentity, feed: generateKeyPair() })
        const body = echo.Credential.decode(forged.credential as Uint8Array)
        body.feedAdmit!.feedKey = honestFeed.key
        return { credential: echo.Credential.encode(body).finish(), signatures: forged.signatures }
      }),
      credential('KeyRemove of the admin, forged by a writer', () => createKeyRemove({ partyKey, admin: hostileIdentity, identityKey: adminKey, cutoffs: [] })),
      credential('IdentityInfo renaming the admin, signed by the hostile peer', () => {
        const forged = createIdentityInfo({ partyKey, identity: hostileIdentity, displayName: 'Mallory' })
        const body = echo.Credential.decode(forged.credential as Uint8Array)
        body.identityInfo!.identityKey = adminKey
        return { credential: echo.Credential.encode(body).finish(), signatures: [{ key: adminKey, signature: forged.signatures![0].signature }] }
      }),
      simple('replayed genesis (the party\'s own, copied byte for byte)', () => block([genesisEnvelope]), 'CREDENTIAL_REJECTED'),
      credential('second genesis (another party key)', () => createPartyGenesis({ party: generateKeyPair(), identity: hostileIdentity, feed: generateKeyPair() })),
      credential('replayed KeyAdmit (the hostile peer\'s own admission)', () => hostileAdmission),
      simple('credentials of another party', () => credentialBlock(createIdentityInfo({ partyKey: generateKeyPair().publicKey, identity: hostileIdentity, displayName: 'elsewhere' })), 'CREDENTIAL_REJECTED'),
      simple('item id that is not an id', () => block([envelope({ item: { itemId: 'NOT-AN-ID', genesis: { modelType: OBJECT_URL } } })]), 'INVALID_ITEM_ID'),
      simple('second genesis of an honest item', () => block([envelope({ item: { itemId: doc.id, genesis: { modelType: OBJECT_URL, itemType: 'stolen' } } })]), 'INVALID_ITEM_ID'),
      simple('genesis of an honest item\'s id, claiming in its timeframe not to have seen it', () => encodeFeedBlock(
        new Timeframe().toProto(), [envelope({ item: { itemId: doc.id, genesis: { modelType: OBJECT_URL, itemType: 'concurrent' } } })]), 'INVALID_ITEM_ID'),
      simple('second system item', () => block([envelope({ item: { itemId: idOn(own, 'dd'), genesis: { modelType: OBJECT_URL, system: true } } })]), 'INVALID_ITEM_MESSAGE'),
      simple('mutation of an unknown item', () => block([envelope({ item: { itemId: 'ab'.repeat(16), mutation: { model: ObjectModel.encodeProps({ a: 1 }) } } })]), 'UNKNOWN_ITEM'),
      simple('model bytes the model refuses', () => block([envelope({ item: { itemId: doc.id, mutation: { model: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]) } } })]), 'MUTATION_REJECTED'),
      simple('mutation that changes nothing', () => block([envelope({ item: { itemId: doc.id, mutation: {} } })]), 'INVALID_ITEM_MESSAGE'),
      simple('move under a parent that is not an id', () => block([envelope({ item: { itemId: doc.id, mutation: { change: { parentId: '../../etc' } } } })]), 'INVALID_ITEM_MESSAGE'),
      simple('genesis without a model type', () => block([envelope({ item: { itemId: idOn(own, 'cc'), genesis: { itemType: 'typeless' } } })]), 'INVALID_ITEM_MESSAGE'),
      simple('item message that is neither genesis nor mutation', () => block([envelope({ item: { itemId: 'cb'.repeat(16) } })]), 'INVALID_ITEM_MESSAGE'),
      {
        name: 'timeframe naming a future block of an honest feed',
        run: async () => {
          const feed = extraFeeds[0]
          const timeframe = future.clone().set(honestFeed.id, honestFeed.length + 1000)
          const index = await append(feed, encodeFeedBlock(timeframe.toProto(), [envelope({ item: { itemId: idOn(feed, 'f1'), genesis: { modelType: OBJECT_URL, itemType: 'from-the-future' } } })]))
          return { feed, blockIndex: index, expect: { kind: 'held', why: `its timeframe names block ${honestFeed.length + 999} of ${honestFeed.id.slice(0, 8)}, which does not exist` } }
        }
      },
      {
        name: 'timeframe naming an unknown feed',
        run: async () => {
          const feed = extraFeeds[1]
          const unknown = generateKeyPair().publicKey
          const timeframe = future.clone().set(unknown, 1)
          const index = await append(feed, encodeFeedBlock(timeframe.toProto(), [envelope({ item: { itemId: idOn(feed, 'f2'), genesis: { modelType: OBJECT_URL, itemType: 'from-nowhere' } } })]))
          return { feed, blockIndex: index, expect: { kind: 'held', why: `its timeframe names feed ${unknown.toString('hex').slice(0, 8)}, which is not in the party` } }
        }
      },
      {
        name: 'timeframe naming later blocks of its own feed',
        run: async () => {
          const feed = extraFeeds[2]
          const timeframe = future.clone().set(feed.id, feed.length + 5)
          const index = await append(feed, encodeFeedBlock(timeframe.toProto(), [envelope({ item: { itemId: idOn(feed, 'f3'), genesis: { modelType: OBJECT_URL, itemType: 'self-future' } } })]))
          return { feed, blockIndex: index, expect: { kind: 'held', why: 'its timeframe names blocks of its own feed at or after itself' } }
        }
      },
      {
        name: 'timeframe with the largest lengths',
        run: async () => {
          const feed = extraFeeds[3]
          const timeframe = future.clone().set(honestFeed.id, 0xffffffff).set(own.id, 0xffffffff)
          const index = await append(feed, encodeFeedBlock(timeframe.toProto(), [envelope({ item: { itemId: idOn(feed, 'f4'), genesis: { modelType: OBJECT_URL, itemType: 'max' } } })]))
          return { feed, blockIndex: index, expect: { kind: 'held', why: 'its timeframe names block 4294967294 of two feeds' } }
        }
      }
    ]

    // --- phase 1: one attack at a time; state compared before and after on every honest peer -----------------
    const held = new Map<string, Expectation>()
    for (const [i, attack] of attacks.entries()) {
      const before = honest.map((peer) => partyDigest(peer.party))
      const expectation = await attack.run()
      if (expectation.expect.kind === 'held') held.set(attack.name, expectation)
      const result = await judge(attack.name, expectation, honest, before, timeout)
      report.tried++
      if (result.accepted) report.accepted++
      if (result.unreported) report.unreported++
      report.attacks.push(result)
      log('%s: %s', attack.name, result.accepted ? 'ACCEPTED' : result.reported.join('; '))
      options.onAttack?.(result)
      // The honest peers keep syncing with each other after every attack.
      await honestWrite(honest[i % honest.length])
      await syncHonest()
    }
    // --- phase 2: garbage barrage while every honest peer writes ---------------------------------------------
    const barrage: Expectation[] = []
    // Wire type 7 does not exist: bytes starting with 0x0f never decode, whatever follows.
    const noise = (): Buffer => Buffer.from([0x0f, ...Array.from({ length: rng.int(0, 200) }, () => rng.int(0, 255))])
    const garbage: Array<() => [Uint8Array, RejectionReason[]]> = [
      () => [noise(), ['UNDECODABLE_BLOCK']],
      () => [block([noise(), envelope({})]), ['UNDECODABLE_MESSAGE', 'EMPTY_ENVELOPE']],
      () => [credentialBlock(tamperedSignature(createIdentityInfo({ partyKey, identity: hostileIdentity, displayName: `x${rng.int(0, 1e6)}` }))), ['CREDENTIAL_REJECTED']],
      () => [credentialBlock(createKeyAdmit({ partyKey, admin: hostileIdentity, identityKey: generateKeyPair().publicKey, role: 'writer' })), ['CREDENTIAL_REJECTED']],
      () => [block([
        envelope({ item: { itemId: 'ab'.repeat(16), mutation: { model: ObjectModel.encodeProps({ a: rng.int(0, 9) }) } } }),
        envelope({ item: { itemId: doc.id, mutation: { model: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]) } } }),
        envelope({})
      ]), ['UNKNOWN_ITEM', 'MUTATION_REJECTED', 'EMPTY_ENVELOPE']]
    ]
    const rounds = options.barrageRounds ?? 30
    const writers = honest.map(async (peer) => { for (let r = 0; r < rounds; r++) await honestWrite(peer) })
    for (let r = 0; r < rounds; r++) {
      const [bytes, reasons] = rng.pick(garbage)()
      barrage.push(rejectedAs(reasons)(own, await append(own, bytes)))
      if (rng.chance(0.5)) await new Promise((resolve) => setImmediate(resolve))
    }
    await within(Promise.all(writers), timeout * 2, 'honest writes during the barrage')
    await syncAll()
    for (const expectation of barrage) {
      const check = checkReported(expectation, honest)
      report.tried++
      if (check.unreported) {
        report.unreported++
        report.errors.push(`barrage block ${expectation.blockIndex} not reported as expected: ${check.missing.join('; ')}`)
      }
    }

    // --- the end: honest peers identical, the held blocks still not processed --------------------------------
    const digests = honest.map((peer) => partyDigest(peer.party))
    const sameFeeds = honest.every((peer) => honest.every((other) => [...other.party.timeframe.ids()]
      .filter(([id]) => honest.some((h) => h.party.ownFeed.id === id))
      .every(([id, length]) => peer.party.timeframe.get(id) === length)))
    report.honestConverged = sameFeeds && digests.every((d) => d === digests[0])
    for (const [i, result] of report.attacks.entries()) {
      if (result.expected !== 'held') continue
      // Held blocks stay held while the party moves on.
      const position = held.get(result.name)
      if (position === undefined || result.accepted) continue
      if (honest.some((peer) => peer.party.timeframe.get(position.feed.id) > position.blockIndex)) {
        report.attacks[i].accepted = true
        report.accepted++
      }
    }
    report.rejections = honest.map((peer) => peer.party.rejections)
    return report
  })
}

/** Waits until every honest peer consumed (or, for held blocks, downloaded) the attack, then judges it. */
async function judge (name: string, expectation: Expectation, honest: Peer[], before: string[], timeout: number): Promise<AttackResult> {
  const result: AttackResult = { name, expected: expectation.expect.kind, reported: [], accepted: false, unreported: false, stalled: false }
  const { feed, blockIndex } = expectation
  try {
    if (expectation.expect.kind === 'rejected') {
      const target = new Timeframe([[feed.key, blockIndex + 1]])
      await within(Promise.all(honest.map(async (peer) => await peer.party.waitForTimeframe(target))), timeout, `${name}: processing`)
    } else {
      await within(Promise.all(honest.map(async (peer) => {
        await waitUntil(() => peer.party.processor.progress().some((p) => p.feedId === feed.id && p.downloaded > blockIndex), timeout, 'download')
      })), timeout, `${name}: replication`)
      // Give the processors a chance to (wrongly) process it.
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } catch (err) {
    result.stalled = true
    result.reported.push((err as Error).message)
  }
  const after = honest.map((peer) => partyDigest(peer.party))
  if (after.some((digest, i) => digest !== before[i])) result.accepted = true
  if (expectation.expect.kind === 'held') {
    if (honest.some((peer) => peer.party.timeframe.get(feed.id) > blockIndex)) result.accepted = true
    else result.reported.push(`held: ${expectation.expect.why}`)
    return result
  }
  const check = checkReported(expectation, honest)
  result.unreported = check.unreported
  result.reported.push(...check.reported, ...check.missing)
  return result
}

/** Whether every honest peer reported the expected rejection for each message of the block. */
function checkReported (expectation: Expectation, honest: Peer[]): { unreported: boolean, reported: string[], missing: string[] } {
  if (expectation.expect.kind !== 'rejected') return { unreported: false, reported: [], missing: [] }
  const reported = new Set<string>()
  const missing: string[] = []
  for (const [p, peer] of honest.entries()) {
    const seen = peer.rejections.get(positionKey(expectation.feed.id, expectation.blockIndex)) ?? []
    for (const [indexInBlock, reason] of expectation.expect.reasons) {
      const match = seen.find((r) => r.indexInBlock === indexInBlock && r.reason === reason)
      if (match === undefined) {
        missing.push(`peer ${p} #${indexInBlock}: expected ${reason}, saw ${seen.map((r) => `#${r.indexInBlock} ${r.reason}`).join(', ') || 'nothing'}`)
      } else {
        reported.add(`${match.reason}: ${match.detail.slice(0, 120)}`)
      }
    }
  }
  return { unreported: missing.length > 0, reported: [...reported], missing }
}

/** The KeyAdmit credential admitting `identityKey`, as written in `feed`. */
async function findKeyAdmit (feed: Feed, identityKey: Buffer): Promise<SignedCredential> {
  for (let i = 0; i < feed.length; i++) {
    const bytes = await feed.core.get(i)
    if (bytes === null) continue
    for (const message of decodeFeedBlock(bytes).messages) {
      const credential = echo.Envelope.decode(message).credential
      if (credential?.credential == null) continue
      const body = echo.Credential.decode(credential.credential)
      if (body.keyAdmit?.identityKey != null && Buffer.from(body.keyAdmit.identityKey).equals(identityKey)) return credential
    }
  }
  throw new Error(`no KeyAdmit for ${identityKey.toString('hex')} in feed ${feed.id}`)
}
