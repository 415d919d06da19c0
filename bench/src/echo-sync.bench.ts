/**
 * Issue 6's figures, over Hyperswarm on a local DHT (127.0.0.1 only):
 *   echo.sync.100k       a new peer joins a party of 100k mutations (written in bursts) until caught up;
 *                        vs hypercore.sync.100k.one-per-block (raw hypercore, one message per block, same transport)
 *                        targets: <= 3,000 ms and >= 10x faster than the baseline
 *   echo.converge.3x10k  three peers each write 10k mutations while apart; from reconnect until all three agree
 *                        target: <= 2,000 ms
 */
import Corestore from 'corestore'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import createTestnet from 'hyperdht/testnet'
import { ECHO, type Item, type Party } from '@echodb/echo-db'
import type { ObjectModel } from '@echodb/models'
import type { Suite } from './figure'
import { timeMs, withTempDir } from './measure'
import { partyDigest } from '@echodb/echo-db/dist/src/reliability/state-digest'

const SYNC_MUTATIONS = 100_000
const CONVERGE_MUTATIONS = 10_000
const CHUNK = 10_000

type Testnet = Awaited<ReturnType<typeof createTestnet>>

async function fill (party: Party, count: number, tag: string): Promise<void> {
  const items: Array<Item<ObjectModel>> = []
  for (let i = 0; i < 100; i++) items.push(await party.database.createItem<ObjectModel>({ type: 'bench' }))
  for (let start = 0; start < count; start += CHUNK) {
    const writes: Array<Promise<void>> = []
    for (let i = start; i < Math.min(count, start + CHUNK); i++) writes.push(items[i % 100].model.set(`p${i % 5}`, `${tag} value ${i}`))
    await Promise.all(writes)
  }
}

function swarmOn (testnet: Testnet): Hyperswarm {
  return new Hyperswarm({ dht: new HyperDHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }) })
}

/** Raw hypercore, one 100-byte message per block: a new peer downloads all of them over Hyperswarm. */
async function hypercoreBaseline (testnet: Testnet): Promise<number> {
  return await withTempDir('sync-hc-a', async (dirA) => await withTempDir('sync-hc-b', async (dirB) => {
    const storeA = new Corestore(dirA)
    const storeB = new Corestore(dirB)
    const swarmA = swarmOn(testnet)
    const swarmB = swarmOn(testnet)
    try {
      const core = storeA.get({ name: 'baseline' })
      await core.ready()
      const block = Buffer.alloc(100, 7)
      for (let start = 0; start < SYNC_MUTATIONS; start += 1000) {
        await core.append(Array.from({ length: Math.min(1000, SYNC_MUTATIONS - start) }, () => block))
      }
      swarmA.on('connection', (conn) => storeA.replicate(conn))
      swarmB.on('connection', (conn) => storeB.replicate(conn))
      swarmA.join(core.discoveryKey!, { server: true, client: false })
      await swarmA.flush()
      const replica = storeB.get({ key: core.key! })
      await replica.ready()
      return await timeMs(async () => {
        const done = replica.findingPeers()
        swarmB.join(core.discoveryKey!, { server: false, client: true })
        swarmB.flush().then(done, done)
        await replica.update({ wait: true })
        await replica.download({ start: 0, end: SYNC_MUTATIONS }).done()
        for (let i = 0; i < SYNC_MUTATIONS; i++) await replica.get(i) // read every message, as ECHO does
      })
    } finally {
      await swarmB.destroy()
      await swarmA.destroy()
      await storeB.close()
      await storeA.close()
    }
  }))
}

async function echoSync (testnet: Testnet): Promise<number> {
  const network = { bootstrap: testnet.bootstrap, host: '127.0.0.1' }
  return await withTempDir('sync-a', async (dirA) => await withTempDir('sync-b', async (dirB) => {
    const a = await ECHO.create({ directory: dirA, network })
    const b = await ECHO.create({ directory: dirB, network })
    try {
      const party = await a.createParty()
      await fill(party, SYNC_MUTATIONS, 'a')
      const invitation = await party.createInvitation()
      let joined: Party | undefined
      const ms = await timeMs(async () => { joined = await b.joinParty(invitation.code, invitation.secret, { timeout: 60_000 }) })
      if (!joined!.timeframe.equals(party.timeframe)) throw new Error('the new peer is not caught up')
      return ms
    } finally {
      await b.close()
      await a.close()
    }
  }))
}

async function converge (testnet: Testnet): Promise<number> {
  const network = { bootstrap: testnet.bootstrap, host: '127.0.0.1' }
  return await withTempDir('conv-a', async (dirA) => await withTempDir('conv-b', async (dirB) => await withTempDir('conv-c', async (dirC) => {
    const dirs = [dirA, dirB, dirC]
    let peers = [await ECHO.create({ directory: dirA, network })]
    const party = await peers[0].createParty()
    for (const dir of dirs.slice(1)) {
      const peer = await ECHO.create({ directory: dir, network })
      const invitation = await party.createInvitation()
      await peer.joinParty(invitation.code, invitation.secret)
      peers.push(peer)
    }
    const partyId = party.id
    await Promise.all(peers.map(async (p) => await p.close()))

    // Apart: each writes 10k mutations without a network.
    for (const [i, dir] of dirs.entries()) {
      const offline = await ECHO.create({ directory: dir })
      await fill(offline.getParty(partyId)!, CONVERGE_MUTATIONS, `peer${i}`)
      await offline.close()
    }

    peers = []
    try {
      return await timeMs(async () => {
        peers = await Promise.all(dirs.map(async (dir) => await ECHO.create({ directory: dir, network })))
        const parties = peers.map((p) => p.getParty(partyId)!)
        for (let round = 0; round < 2; round++) {
          for (const p of parties) for (const q of parties) if (p !== q) await p.waitForTimeframe(q.timeframe.clone())
        }
        // The figure is "until all three report identical state": compare what apps read, not only timeframes.
        const digests = parties.map(partyDigest)
        if (digests.some((d) => d !== digests[0])) throw new Error('echo.converge.3x10k: equal timeframes but different states')
      })
    } finally {
      await Promise.all(peers.map(async (p) => await p.close()))
    }
  })))
}

export const suite: Suite = {
  name: 'echo-db sync over Hyperswarm (issue 6)',
  async run (report) {
    const testnet = await createTestnet(3, { host: '127.0.0.1' })
    try {
      report({ name: 'hypercore.sync.100k.one-per-block', value: await hypercoreBaseline(testnet), unit: 'ms', better: 'lower' })
      report({
        name: 'echo.sync.100k',
        value: await echoSync(testnet),
        unit: 'ms',
        better: 'lower',
        baseline: 'hypercore.sync.100k.one-per-block',
        target: { max: 3_000, ratio: 10 }
      })
      report({ name: 'echo.converge.3x10k', value: await converge(testnet), unit: 'ms', better: 'lower', target: { max: 2_000 } })
    } finally {
      await testnet.destroy()
    }
  }
}
