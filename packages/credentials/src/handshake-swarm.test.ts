import fs from 'fs'
import os from 'os'
import path from 'path'
import Corestore from 'corestore'
import HyperDHT from 'hyperdht'
import createTestnet from 'hyperdht/testnet'
import Hyperswarm from 'hyperswarm'
import { feedKeyFromSigner } from '@echodb/feed-store'
import { generateKeyPair, keyToHex } from './keys'
import { invitationChannelId, invitationTopic, decodeInvitationCode } from './invitation-code'
import { type JoinResult, acceptInvitation } from './invitee'
import { listenForInvitations, openInvitationChannel } from './protomux-channel'
import { type GreetResult } from './greeter'
import { InvitationParty } from './test-fixtures/invitation-party'
import type { Person } from './test-fixtures/party-world'

function swarmOn (testnet: createTestnet.Testnet): Hyperswarm {
  return new Hyperswarm({ dht: new HyperDHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }) })
}

describe('invitation handshake over Hyperswarm (local testnet)', () => {
  test('the invitee joins over the same connection Corestore replicates on, and reads the greeter\'s feed', async () => {
    const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'echo-greeter-')), fs.mkdtempSync(path.join(os.tmpdir(), 'echo-invitee-'))]
    const testnet = await createTestnet(3)
    const swarms: Hyperswarm[] = []
    const stores: Corestore[] = []
    try {
      // The greeter: a party whose genesis feed is a real hypercore, with one more block in it.
      const greeterStore = new Corestore(dirs[0])
      stores.push(greeterStore)
      const feed = greeterStore.get({ name: 'party' })
      await feed.ready()
      const feedKeyPair = feed.keyPair as { publicKey: Buffer, secretKey: Buffer }
      expect(feedKeyFromSigner(feedKeyPair.publicKey).equals(feed.key as Buffer)).toBe(true)
      const creator: Person = { name: 'creator', identity: generateKeyPair(), feed: feedKeyPair, feedKey: feed.key as Buffer, feedId: keyToHex(feed.key as Buffer) }
      const party = new InvitationParty(creator)
      await feed.append(Buffer.from('genesis block'))
      await feed.append(Buffer.from('hello from the greeter'))

      const greeterSwarm = swarmOn(testnet)
      swarms.push(greeterSwarm)
      const { greeter } = party.greeter(creator, { channelKey: greeterSwarm.keyPair.publicKey, timeout: 10_000 })
      const served: GreetResult[] = []
      greeterSwarm.on('connection', (conn) => {
        greeterStore.replicate(conn)
        listenForInvitations(conn, (id) => greeter.handles(id) ? async (channel) => served.push(await greeter.serve(channel)) : null)
      })
      const { code, secret } = await greeter.createInvitation({ role: 'writer' })
      const parsed = decodeInvitationCode(code)
      await greeterSwarm.join(invitationTopic(parsed), { server: true, client: false }).flushed()

      // The invitee: finds the greeter through the invitation's topic.
      const inviteeStore = new Corestore(dirs[1])
      stores.push(inviteeStore)
      const myFeed = inviteeStore.get({ name: 'mine' })
      await myFeed.ready()
      const invitee: Person = {
        name: 'invitee', identity: generateKeyPair(), feed: myFeed.keyPair as { publicKey: Buffer, secretKey: Buffer }, feedKey: myFeed.key as Buffer, feedId: keyToHex(myFeed.key as Buffer)
      }
      const inviteeSwarm = swarmOn(testnet)
      swarms.push(inviteeSwarm)
      const joined = new Promise<JoinResult>((resolve, reject) => {
        inviteeSwarm.on('connection', (conn) => {
          inviteeStore.replicate(conn)
          openInvitationChannel(conn, { id: invitationChannelId(parsed), timeout: 10_000 })
            .then(async (channel) => await acceptInvitation(channel, code, secret, { identity: invitee.identity, feed: invitee.feed, displayName: 'Ivy' }))
            .then(resolve, reject)
        })
      })
      inviteeSwarm.join(invitationTopic(parsed), { server: false, client: true })
      await inviteeSwarm.flush()
      const result = await joined

      expect(result.role).toBe('writer')
      expect(result.genesisFeedKey?.equals(creator.feedKey)).toBe(true)
      expect(served).toMatchObject([{ status: 'admitted', role: 'writer' }])
      expect(party.state.getRole(invitee.identity.publicKey)).toBe('writer')
      expect(party.state.isFeedAdmitted(invitee.feedKey)).toBe(true)
      expect(party.state.getMember(invitee.identity.publicKey)?.displayName).toBe('Ivy')

      // The same connection replicates the feeds it was handed.
      const replica = inviteeStore.get({ key: result.genesisFeedKey as Buffer })
      await replica.ready()
      expect((await replica.get(1, { timeout: 10_000 }))?.toString()).toBe('hello from the greeter')
      expect(result.feeds.some((f) => f.feedKey.equals(invitee.feedKey))).toBe(true)
    } finally {
      for (const swarm of swarms) await swarm.destroy()
      for (const store of stores) await store.close()
      await testnet.destroy()
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  test('a wrong secret over the network reaches the invitee as a typed error', async () => {
    const testnet = await createTestnet(3)
    const swarms: Hyperswarm[] = []
    try {
      const party = new InvitationParty()
      const greeterSwarm = swarmOn(testnet)
      swarms.push(greeterSwarm)
      const { greeter } = party.greeter(party.creator, { channelKey: greeterSwarm.keyPair.publicKey })
      greeterSwarm.on('connection', (conn) => {
        listenForInvitations(conn, (id) => greeter.handles(id) ? async (channel) => await greeter.serve(channel) : null)
      })
      const { code, secret } = await greeter.createInvitation()
      const parsed = decodeInvitationCode(code)
      await greeterSwarm.join(invitationTopic(parsed), { server: true, client: false }).flushed()

      const inviteeSwarm = swarmOn(testnet)
      swarms.push(inviteeSwarm)
      const x = generateKeyPair()
      const attempt = new Promise<unknown>((resolve) => {
        inviteeSwarm.on('connection', (conn) => {
          openInvitationChannel(conn, { id: invitationChannelId(parsed) })
            .then(async (channel) => await acceptInvitation(channel, code, secret === '999999' ? '888888' : '999999', { identity: x }))
            .then(resolve, resolve)
        })
      })
      inviteeSwarm.join(invitationTopic(parsed), { server: false, client: true })
      expect(await attempt).toMatchObject({ reason: 'WRONG_SECRET', attemptsLeft: 2 })

      // The invitee retries on the same connection, with the right secret this time.
      const conn = [...inviteeSwarm.connections][0]
      const retry = await openInvitationChannel(conn, { id: invitationChannelId(parsed) })
      expect(await acceptInvitation(retry, code, secret, { identity: x, feed: generateKeyPair() })).toMatchObject({ role: 'writer' })
      expect(party.state.isMember(x.publicKey)).toBe(true)

      // A channel id nobody serves is refused at once.
      await expect(openInvitationChannel(conn, { id: Buffer.alloc(16, 5), timeout: 5000 })).rejects.toMatchObject({ reason: 'CHANNEL_CLOSED' })
    } finally {
      for (const swarm of swarms) await swarm.destroy()
      await testnet.destroy()
    }
  }, 30_000)
})
