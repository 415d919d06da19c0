import { EventEmitter } from 'events'
import { Timeframe, type Feed, type FeedStore } from '@echodb/feed-store'
import type { PartyState } from '@echodb/credentials'
import { PartySync } from './party-sync'

/** A feed as PartySync sees it: an id, a length, and a core whose update() the test controls. */
function fakeFeed (id: string, length: number, onUpdate: () => void = () => {}): Feed {
  const core = Object.assign(new EventEmitter(), {
    update: async () => { onUpdate(); return false },
    findingPeers: () => () => {}
  })
  return { id, length, core } as unknown as Feed
}

test('caughtUp resolves when processing admits a feed while the peers are being asked (no wait for a change)', async () => {
  const timeframe = new Timeframe()
  const admitted: string[] = ['aa'.repeat(32)]
  const feeds = new Map<string, Feed>()
  // Asking about the first feed "processes" its last block, which admits a second, empty feed.
  feeds.set(admitted[0], fakeFeed(admitted[0], 1, () => {
    timeframe.set(admitted[0], 1)
    if (admitted.length === 1) admitted.push('bb'.repeat(32))
  }))
  feeds.set('bb'.repeat(32), fakeFeed('bb'.repeat(32), 0))
  const sync = new PartySync({
    partyState: { hasGenesis: true, listFeeds: () => admitted.map((id) => ({ feedKey: Buffer.from(id, 'hex') })) } as unknown as PartyState,
    feedStore: { getFeed: (id: string) => feeds.get(id) } as unknown as FeedStore,
    feedKeys: () => admitted,
    timeframe,
    onTimeframe: () => () => {}
  })
  const outcome = await Promise.race([
    sync.caughtUp().then(() => 'caught up'),
    new Promise((resolve) => setTimeout(() => resolve('hung'), 1000))
  ])
  expect(outcome).toBe('caught up')
  expect(sync.progress()).toMatchObject({ known: 1, processed: 1, feeds: [{ known: 1, processed: 1 }, { known: 0, processed: 0 }] })
  sync.close()
})
