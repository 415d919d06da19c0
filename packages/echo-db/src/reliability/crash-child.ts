/**
 * The process the crash harness kills (see crash.ts). It opens the ECHO instance in a directory, finds the party
 * named on the command line and writes mutations to it for ever: awaited sets, counter increments, item creations
 * and un-awaited bursts. Before each write it prints an intent line, and once the write has resolved (appended
 * and processed: acknowledged) it prints an ack line. stdout is a pipe, and pipe writes are synchronous on Linux,
 * so a printed ack was acknowledged before the kill.
 *
 *   node crash-child.js '{"directory":"...","partyId":"...","seed":1,"firstSeq":1000000,"snapshotInterval":50}'
 *
 * Lines:  ready <itemCount>            the instance is open
 *         i <seq> <kind> <itemId|->    about to write (kind: item | set | last | inc)
 *         a <seq> [<new item id>]      acknowledged
 */
import type { CounterModel, ObjectModel } from '@echodb/models'
import { ECHO } from '../echo'
import type { Item } from '../item'
import { Rng } from './rng'

export interface CrashChildArgs {
  directory: string
  partyId: string
  seed: number
  /** Sequence numbers of this run start here (each run of a directory uses its own range). */
  firstSeq: number
  snapshotInterval: number
}

/** The item type the child creates, and the type of its single counter item. */
export const CRASH_ITEM_TYPE = 'crash'
export const CRASH_COUNTER_TYPE = 'crash-counter'

/** Value the child writes for `set` of sequence number `seq` (under key `m<seq>`). */
export function setValue (seq: number): string {
  return `value-${seq}-${'x'.repeat(seq % 37)}`
}

function print (line: string): void {
  process.stdout.write(line + '\n')
}

async function main (args: CrashChildArgs): Promise<void> {
  const rng = new Rng(args.seed)
  const echo = await ECHO.create({ directory: args.directory, snapshotInterval: args.snapshotInterval })
  const party = echo.getParty(args.partyId)
  if (party === undefined) throw new Error(`no party ${args.partyId} in ${args.directory}`)
  await party.open()
  const items: Array<Item<ObjectModel>> = [...party.database.select<ObjectModel>({ type: CRASH_ITEM_TYPE }).value]
  const counter = party.database.select<CounterModel>({ type: CRASH_COUNTER_TYPE }).first
  print(`ready ${items.length}`)
  let seq = args.firstSeq

  const createItem = async (): Promise<void> => {
    const n = seq++
    print(`i ${n} item -`)
    const item = await party.database.createItem<ObjectModel>({ type: CRASH_ITEM_TYPE, props: { seq: n, born: setValue(n) } })
    items.push(item)
    print(`a ${n} ${item.id}`)
  }
  /** One mutation on an existing item; resolves when acknowledged. */
  const mutate = (): Promise<void> => {
    const n = seq++
    const r = rng.next()
    if (r < 0.15 && counter !== undefined) {
      print(`i ${n} inc ${counter.id}`)
      return counter.model.increment(1).then(() => print(`a ${n}`))
    }
    const item = rng.pick(items)
    if (r < 0.35) {
      print(`i ${n} last ${item.id}`)
      return item.model.set('last', n).then(() => print(`a ${n}`))
    }
    print(`i ${n} set ${item.id}`)
    return item.model.set(`m${n}`, setValue(n)).then(() => print(`a ${n}`))
  }

  for (;;) {
    const r = rng.next()
    if (items.length === 0 || r < 0.08) {
      await createItem()
    } else if (r < 0.2) {
      // A burst: many writes issued at once, coalesced into few blocks, each acknowledged on its own.
      const writes: Array<Promise<void>> = []
      for (let i = rng.int(10, 300); i > 0; i--) writes.push(mutate())
      await Promise.all(writes)
    } else {
      await mutate()
    }
  }
}

if (require.main === module) {
  main(JSON.parse(process.argv[2]) as CrashChildArgs).catch((err) => {
    process.stderr.write(`crash child failed: ${(err as Error)?.stack ?? String(err)}\n`)
    process.exit(2)
  })
}
