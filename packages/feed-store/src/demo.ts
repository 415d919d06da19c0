/**
 * The feed-store demo (`npm run demo`): two FeedStores in temporary directories. Alice writes a few messages to
 * her feed; Bob opens Alice's feed by its public key, replicates over a piped stream, and prints what he reads.
 * Everything is removed afterwards. Nothing leaves the process.
 */
import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import type { Codec } from './codec'
import { FeedReader } from './feed-reader'
import { FeedStore } from './feed-store'
import { FeedWriter } from './feed-writer'

const text: Codec<string> = {
  encode: (s) => Buffer.from(s, 'utf8'),
  decode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')
}

export async function runDemo (print: (line: string) => void = console.log): Promise<{ read: string[], directories: string[] }> {
  const dirs = await Promise.all([mkdtemp(join(tmpdir(), 'echodb-demo-alice-')), mkdtemp(join(tmpdir(), 'echodb-demo-bob-'))])
  const stores: FeedStore[] = []
  const read: string[] = []
  try {
    const alice = await FeedStore.open(dirs[0])
    stores.push(alice)
    const bob = await FeedStore.open(dirs[1])
    stores.push(bob)

    const feed = await alice.createFeed()
    print(`alice: created feed ${feed.id.slice(0, 16)}...`)
    const writer = new FeedWriter(feed, { codec: text })
    const first = await writer.write('hello from alice')
    print(`alice: wrote "hello from alice" at block ${first.blockIndex}`)
    // Written in the same tick: coalesced into one block.
    const burst = await Promise.all(['one', 'two', 'three'].map(async (m) => await writer.write(m)))
    print(`alice: wrote one, two, three in block ${burst[0].blockIndex} (positions ${burst.map((p) => p.indexInBlock).join(', ')})`)

    const replica = await bob.openFeed(feed.key)
    print(`bob:   opened alice's feed read-only (length ${replica.length} before replication)`)
    const reader = new FeedReader({ codec: text })
    reader.addFeed(replica)

    const a = alice.replicate(true)
    const b = bob.replicate(false)
    a.pipe(b).pipe(a)
    print('bob:   replicating over a piped stream...')

    // Alice keeps writing while Bob reads: the reader picks it up live.
    setTimeout(() => { void writer.write('written while bob was reading') }, 50)
    while (read.length < 5) {
      const next = await reader.next()
      if (next.done === true) break
      for (const { indexInBlock, message } of next.value.messages) {
        read.push(message)
        print(`bob:   read block ${next.value.blockIndex} #${indexInBlock}: ${message}`)
      }
    }
    await reader.close()
    await writer.close()
    print(`bob:   read ${read.length} messages in ${reader.stats.blocks} blocks`)
    await Promise.all([a, b].map(async (s) => await new Promise<void>((resolve) => { s.once('close', () => resolve()); s.destroy() })))
  } finally {
    for (const store of stores.reverse()) await store.close()
    await Promise.all(dirs.map(async (dir) => await rm(dir, { recursive: true, force: true })))
  }
  print('done: stores closed and temporary directories removed')
  return { read, directories: dirs }
}

if (require.main === module) {
  runDemo().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
