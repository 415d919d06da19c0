/**
 * The process the crash harness kills (see crash.ts). It opens the ECHO instance in a directory, finds the party
 * named on the command line and writes mutations to it for ever: awaited sets, counter increments, item creations
 * and un-awaited bursts. Before each write it logs an intent line, and once the write has resolved (appended and
 * processed: acknowledged) an ack line. The log is a file written with one write(2) per line: what was written
 * before the kill is in the page cache and the parent reads all of it. (stdout would not do: Node writes to a pipe
 * asynchronously, and a kill drops what is still buffered, intents included.) stdout only says when it is ready.
 *
 *   node crash-child.js '{"directory":"...","log":"...","partyId":"...","seed":1,"firstSeq":1000000,"snapshotInterval":50}'
 *
 * With `"mode":"parties"` it creates parties instead, one after the other (intent kind `party`, the ack names the
 * new party's id), to find what a crash in the middle of creating one leaves behind.
 *
 * Lines:  ready <count>                the instance is open (items, or parties in mode 'parties')
 *         i <seq> <kind> <itemId|->    about to write (kind: item | set | last | inc)
 *         a <seq> [<new item id>]      acknowledged
 */
import { openSync, writeSync } from 'fs'
import type { CounterModel, ObjectModel } from '@echodb/models'
import { ECHO } from '../echo'
import type { Item } from '../item'
import { Rng } from './rng'

export interface CrashChildArgs {
  directory: string
  /** The file intent and ack lines are appended to. */
  log: string
  partyId: string
  seed: number
  /** Sequence numbers of this run start here (each run of a directory uses its own range). */
  firstSeq: number
  snapshotInterval: number
  /** 'mutations' (default): write to the party; 'parties': create parties. */
  mode?: 'mutations' | 'parties'
}

/** The item type the child creates, and the type of its single counter item. */
export const CRASH_ITEM_TYPE = 'crash'
export const CRASH_COUNTER_TYPE = 'crash-counter'

/** Value the child writes for `set` of sequence number `seq` (under key `m<seq>`). */
export function setValue (seq: number): string {
  return `value-${seq}-${'x'.repeat(seq % 37)}`
}

async function main (args: CrashChildArgs): Promise<void> {
  const log = openSync(args.log, 'a')
  const print = (line: string): void => { writeSync(log, line + '\n') }
  const rng = new Rng(args.seed)
  const echo = await ECHO.create({ directory: args.directory, snapshotInterval: args.snapshotInterval })
  if (args.mode === 'parties') {
    print(`ready ${echo.parties.value.length}`)
    process.stdout.write('ready\n')
    for (let n = args.firstSeq; ; n++) {
      print(`i ${n} party -`)
      const created = await echo.createParty({ properties: { seq: n } })
      print(`a ${n} ${created.id}`)
    }
  }
  const party = echo.getParty(args.partyId)
  if (party === undefined) throw new Error(`no party ${args.partyId} in ${args.directory}`)
  await party.open()
  const items: Array<Item<ObjectModel>> = [...party.database.select<ObjectModel>({ type: CRASH_ITEM_TYPE }).value]
  const counter = party.database.select<CounterModel>({ type: CRASH_COUNTER_TYPE }).first
  print(`ready ${items.length}`)
  process.stdout.write('ready\n')
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
