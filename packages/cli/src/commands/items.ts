import type { ECHO, Item, Party } from '@echodb/echo-db'
import { ObjectModel } from '@echodb/models'
import type { Command, Context } from '../command'
import { CliError } from '../errors'
import { itemContent, itemRecord, shortId } from '../format'
import { openEcho, pullParty, pushFeeds, seconds, syncTimeout, wantsNetwork } from '../online'
import { resolveItem, resolveParty } from '../resolve'
import { assignmentsToProps, parseAssignment, parseKey, type Assignment } from '../values'

/** 'read-write': catches up first, then writes (what it writes depends on what it has read). */
type Access = 'read' | 'write' | 'read-write'

/**
 * Opens the profile and the party named by the first argument, runs `body`, and closes. With --sync (or
 * --bootstrap/--host) it is online: a read first catches up with the peers; a write waits until a peer holds it.
 */
export async function withParty (ctx: Context, access: Access, body: (party: Party, echo: ECHO) => Promise<void>): Promise<number> {
  const online = wantsNetwork(ctx)
  const timeout = online ? syncTimeout(ctx) : 0
  const echo = await openEcho(ctx, online)
  try {
    const party = await resolveParty(echo, ctx.args[0])
    if (online && access !== 'write') await pullParty(ctx, party, timeout)
    await body(party, echo)
    if (online && access !== 'read' && !await pushFeeds(ctx, [party.ownFeed], timeout)) {
      ctx.status(`echodb: saved here, but no peer took it within ${seconds(timeout)}; it goes out the next time you are online with the party`)
    }
  } finally {
    await echo.close()
  }
  return 0
}

function objectModel (item: Item): ObjectModel {
  const dormant = item.dormant
  if (dormant !== undefined) throw new CliError('ITEM_DORMANT', `item ${shortId(item.id)} is dormant: ${dormant.message}`)
  const model = item.model
  if (!(model instanceof ObjectModel)) {
    throw new CliError('NOT_AN_OBJECT', `item ${shortId(item.id)} is a ${item.modelType} item: only ObjectModel items have key=value properties`)
  }
  return model
}

export const itemCreate: Command = {
  words: ['item', 'create'],
  usage: '<party> <type> [key=value ...] [--sync]',
  summary: 'create an item of an application type with properties; prints its id',
  options: ['sync', 'bootstrap', 'host', 'timeout'],
  args: { min: 2, max: Infinity },
  async run (ctx: Context) {
    const type = ctx.args[1]
    if (type === '') throw new CliError('INVALID_TYPE', 'the item type must not be empty')
    const props = assignmentsToProps(ctx.args.slice(2).map(parseAssignment))
    return await withParty(ctx, 'write', async (party) => {
      const item = await party.database.createItem({ type, props })
      if (ctx.json) ctx.outJson(itemRecord(item))
      else ctx.out(item.id)
    })
  }
}

export const set: Command = {
  words: ['set'],
  usage: '<party> <item> key=value ... [--delete KEY ...] [--sync]',
  summary: "set (or delete) an item's properties, in one change",
  options: ['delete', 'sync', 'bootstrap', 'host', 'timeout'],
  args: { min: 2, max: Infinity },
  async run (ctx: Context) {
    const assignments: Assignment[] = ctx.args.slice(2).map(parseAssignment)
    const deletions = (ctx.options.delete ?? []).map((key) => parseKey(key, `--delete ${key}`))
    if (assignments.length === 0 && deletions.length === 0) {
      throw new CliError('NOTHING_TO_SET', 'set needs at least one key=value (or --delete KEY)')
    }
    return await withParty(ctx, 'write', async (party) => {
      const item = resolveItem(party, ctx.args[1])
      const model = objectModel(item)
      await model.batch((batch) => {
        for (const path of deletions) batch.delete(path)
        for (const { path, value } of assignments) batch.set(path, value)
      })
      if (ctx.json) ctx.outJson(itemRecord(item))
    })
  }
}

export const get: Command = {
  words: ['get'],
  usage: '<party> <item> [--sync]',
  summary: "print an item's properties as JSON (--json: the whole item on one line)",
  options: ['sync', 'bootstrap', 'host', 'timeout'],
  args: { min: 2, max: 2 },
  async run (ctx: Context) {
    return await withParty(ctx, 'read', async (party) => {
      const record = itemRecord(resolveItem(party, ctx.args[1]))
      if (ctx.json) {
        ctx.outJson(record)
      } else {
        if (record.dormant !== undefined) throw new CliError('ITEM_DORMANT', `item ${shortId(record.id)} is dormant: ${record.dormant}`)
        if (record.deleted === true) ctx.status(`echodb: item ${shortId(record.id)} is deleted`)
        ctx.out(JSON.stringify(record.properties ?? record.state ?? null, null, 2))
      }
    })
  }
}

export const list: Command = {
  words: ['list'],
  usage: '<party> [--type T] [--sync]',
  summary: "list a party's items (id, type, properties), oldest first",
  options: ['type', 'sync', 'bootstrap', 'host', 'timeout'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    return await withParty(ctx, 'read', async (party) => {
      const items = party.database.select(ctx.options.type === undefined ? {} : { type: ctx.options.type }).value
      if (ctx.json) {
        ctx.outJson(items.map(itemRecord))
        return
      }
      const width = Math.max(4, ...items.map((item) => item.type.length))
      for (const item of items) ctx.out(`${shortId(item.id)}  ${item.type.padEnd(width)}  ${itemContent(item)}`)
    })
  }
}
