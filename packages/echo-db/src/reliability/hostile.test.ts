import { echo } from '@echodb/proto'
import { encodeFeedBlock } from '@echodb/feed-store'
import type { ECHO } from '../echo'
import { TempDirs } from '../testing/temp-echo'
import { runHostileHarness, type HostileReport } from './hostile'
import { pipedNetwork, swarmNetwork } from './network'

function expectClean (report: HostileReport): void {
  const problems = report.attacks.filter((a) => a.accepted || a.unreported || a.stalled)
  expect(problems).toEqual([])
  expect(report.errors).toEqual([])
  expect(report.accepted).toBe(0)
  expect(report.unreported).toBe(0)
  expect(report.honestConverged).toBe(true)
  // Every kind of attack the issue names was tried, and the honest peers kept writing throughout.
  const names = report.attacks.map((a) => a.name).join('\n')
  for (const kind of ['undecodable block', 'tampered signature', 'KeyAdmit forged', 'FeedAdmit', 'oversized', 'future block', 'unknown feed', 'replayed genesis']) {
    expect(names).toContain(kind)
  }
  expect(report.tried).toBeGreaterThan(report.attacks.length)
  expect(report.honestWrites).toBeGreaterThan(report.attacks.length)
  for (const attack of report.attacks) expect(attack.reported.length).toBeGreaterThan(0)
}

test('a hostile member over piped streams: three honest peers accept none of it, report each, and keep syncing', async () => {
  const report = await runHostileHarness({ network: pipedNetwork(), honestPeers: 3, barrageRounds: 20 })
  expectClean(report)
})

test('a hostile member over Hyperswarm (local testnet): two honest peers accept none of it and keep syncing', async () => {
  const report = await runHostileHarness({ network: await swarmNetwork(), honestPeers: 2, barrageRounds: 10 })
  expectClean(report)
})

// Regression test for a bug this harness found (network/party-sync.ts, fixed): a member appending one block whose
// timeframe names a block that does not exist made `party.sync.caughtUp()`, and so `echo.joinParty()`, wait for
// ever on every honest peer, because caughtUp compared blocks processed with blocks known.
test('sync.caughtUp() resolves although a hostile member holds a block that can never be processed', async () => {
  const network = await swarmNetwork()
  const dirs = new TempDirs()
  const peers: ECHO[] = []
  try {
    const honest = await network.createPeer(await dirs.make())
    const hostile = await network.createPeer(await dirs.make())
    peers.push(honest, hostile)
    const party = await honest.createParty()
    const evil = await network.join(party, hostile)
    const feed = await hostile.feedStore.createFeed()
    await evil.admitFeed(feed)
    await party.waitForTimeframe(evil.timeframe.clone())
    await party.sync.caughtUp()
    const future = evil.timeframe.clone().set(party.ownFeed.id, party.ownFeed.length + 100)
    await feed.core.append(Buffer.from(encodeFeedBlock(future.toProto(), [echo.Envelope.encode({}).finish()])))
    const downloaded = (): number => party.processor.progress().find((p) => p.feedId === feed.id)?.downloaded ?? 0
    for (let i = 0; i < 500 && downloaded() < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(downloaded()).toBe(1)
    expect(party.timeframe.get(feed.id)).toBe(0) // held: never processed
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      party.sync.caughtUp(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('caughtUp() did not resolve within 3 s')), 3000) })
    ]).finally(() => clearTimeout(timer))
  } finally {
    for (const peer of peers) await peer.close()
    await network.close()
    await dirs.cleanup()
  }
})
