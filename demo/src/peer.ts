/**
 * One demo peer: a separate process holding one ECHO instance, driven by the conductor (main.ts) over IPC.
 * It is the same code an app would write: ECHO.create, createParty, createInvitation, joinParty, items, sets.
 */
import { createHash } from 'crypto'
import { ECHO, type Party } from '@echodb/echo-db'
import { Timeframe } from '@echodb/feed-store'
import type { ObjectModel } from '@echodb/models'
import type { Command, PeerState, Request, Response } from './protocol'

let echo: ECHO | undefined
let party: Party | undefined
let name = 'peer'

function send (message: Response | { progress: unknown }): void {
  process.send?.(message)
}

function requireParty (): Party {
  if (party === undefined) throw new Error(`${name} has no party yet`)
  return party
}

function stateOf (p: Party): PeerState {
  const items = p.database.select<ObjectModel>({}).value.map((item) => ({ id: item.id, props: item.model.toObject() as Record<string, unknown> }))
  const members = p.members.value.map((m) => `${m.displayName ?? '?'} (${m.role})`).sort()
  const timeframe = [...p.timeframe.ids()].sort(([a], [b]) => a < b ? -1 : 1)
  const digest = createHash('sha256').update(JSON.stringify({ members, items })).digest('hex').slice(0, 16)
  return { name, members, items, timeframe, digest }
}

async function run (command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'open': {
      name = command.name
      echo = await ECHO.create({
        directory: command.directory,
        network: command.bootstrap === undefined ? undefined : { bootstrap: command.bootstrap, host: '127.0.0.1' }
      })
      await echo.setDisplayName(name)
      party = echo.parties.value[0]
      if (party !== undefined && command.bootstrap !== undefined) {
        party.sync.on('progress', (progress) => send({ progress }))
        await party.sync.caughtUp()
      }
      return { online: command.bootstrap !== undefined }
    }
    case 'createParty':
      party = await echo!.createParty({ properties: { title: command.title } })
      return { partyId: party.id }
    case 'invite': {
      const invitation = await requireParty().createInvitation()
      return { code: invitation.code, secret: invitation.secret }
    }
    case 'join':
      party = await echo!.joinParty(command.code, command.secret, { onProgress: (progress) => send({ progress }) })
      return { partyId: party.id }
    case 'createItem': {
      const item = await requireParty().database.createItem({ type: 'card', props: command.props })
      return { itemId: item.id }
    }
    case 'set':
      await requireParty().database.getItem<ObjectModel>(command.itemId)!.model.set(command.key, command.value)
      return null
    case 'burst': {
      const model = requireParty().database.getItem<ObjectModel>(command.itemId)!.model
      await Promise.all(Array.from({ length: command.count }, async (_, i) => await model.set(`${command.tag}-${i % 10}`, i)))
      return null
    }
    case 'waitFor':
      await requireParty().waitForTimeframe(new Timeframe(command.timeframe))
      return null
    case 'state':
      return stateOf(requireParty())
    case 'close':
      await echo?.close()
      echo = undefined
      party = undefined
      return null
  }
}

process.on('message', (request: Request) => {
  run(request.command).then(
    (result) => send({ id: request.id, ok: true, result }),
    (err: unknown) => send({ id: request.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
  )
})
process.on('disconnect', () => { void echo?.close().finally(() => process.exit(0)) })
