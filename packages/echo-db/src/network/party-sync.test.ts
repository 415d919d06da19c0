import { EventEmitter } from 'events'
import { Timeframe, type Feed, type FeedStore } from '@echodb/feed-store'
import type { PartyState } from '@echodb/credentials'
import { PartySync, type SyncSource } from './party-sync'

/** A feed as PartySync sees it: an id, lengths, and a core whose update() the test controls. */
function fakeFeed (id: string, length: number, onUpdate: () => void = () => {}): Feed & { updates: number } {
  const feed = { id, length, downloaded: length, updates: 0, core: undefined as unknown }
  feed.core = Object.assign(new EventEmitter(), {
    update: async () => { feed.updates++; onUpdate(); return false },
    findingPeers: () => () => {}
  })
  return feed as unknown as Feed & { updates: number }
}

function source (admitted: string[], feeds: Map<string, Feed>, timeframe: Timeframe, idle: () => boolean): SyncSource {
  return {
    partyState: { hasGenesis: true, listFeeds: () => admitted.map((id) => ({ feedKey: Buffer.from(id, 'hex') })) } as unknown as PartyState,
    feedStore: { getFeed: (id: string) => feeds.get(id) } as unknown as FeedStore,
    feedKeys: () => admitted,
    timeframe,
    idle,
    onTimeframe: () => () => {}
  }
}

async function settles (promise: Promise<unknown>, ms = 1000): Promise<string> {
  return await Promise.race([promise.then(() => 'caught up'), new Promise<string>((resolve) => setTimeout(() => resolve('hung'), ms))])
}

test('caughtUp asks the peers about a feed admitted while they were being asked, and resolves', async () => {
  const timeframe = new Timeframe()
  const a = 'aa'.repeat(32)
  const b = 'bb'.repeat(32)
  const admitted = [a]
  const feeds = new Map<string, Feed & { updates: number }>()
  // Asking about A "processes" A's last block, which admits B.
  feeds.set(a, fakeFeed(a, 1, () => {
    timeframe.set(a, 1)
    if (admitted.length === 1) admitted.push(b)
  }))
  feeds.set(b, fakeFeed(b, 0))
  const sync = new PartySync(source(admitted, feeds, timeframe, () => true))
  expect(await settles(sync.caughtUp())).toBe('caught up')
  expect(feeds.get(b)!.updates).toBeGreaterThan(0)
  expect(sync.progress()).toMatchObject({ known: 1, processed: 1 })
  sync.close()
})

test('caughtUp resolves when all announced blocks are stored and nothing can be processed, even if some wait for ever', async () => {
  const timeframe = new Timeframe()
  const a = 'aa'.repeat(32)
  const feed = fakeFeed(a, 3) // three blocks known and stored; the third can never be processed
  timeframe.set(a, 2)
  let idle = false
  const sync = new PartySync(source([a], new Map([[a, feed]]), timeframe, () => idle))
  const caughtUp = sync.caughtUp()
  expect(await settles(caughtUp, 200)).toBe('hung') // still processing
  idle = true
  ;(feed.core as unknown as EventEmitter).emit('download') // any change makes it look again
  expect(await settles(caughtUp)).toBe('caught up')
  expect(sync.progress()).toMatchObject({ known: 3, processed: 2 })
  sync.close()
})

test('caughtUp waits while announced blocks are not stored yet', async () => {
  const a = 'aa'.repeat(32)
  const feed = fakeFeed(a, 2)
  ;(feed as { downloaded: number }).downloaded = 1
  const sync = new PartySync(source([a], new Map([[a, feed]]), new Timeframe([[a, 1]]), () => true))
  const caughtUp = sync.caughtUp()
  expect(await settles(caughtUp, 200)).toBe('hung')
  ;(feed as { downloaded: number }).downloaded = 2
  ;(feed.core as unknown as EventEmitter).emit('download')
  expect(await settles(caughtUp)).toBe('caught up')
  sync.close()
})
