import type { Party } from '@echodb/echo-db'
import type { Command, Context } from '../command'
import { hex, partyTitle, plural, shortId } from '../format'
import { openProfile } from '../profile'
import { resolveParty } from '../resolve'

export const partyCreate: Command = {
  words: ['party', 'create'],
  usage: '[--title T]',
  summary: 'create a party (you are its admin); prints its id',
  options: ['title'],
  args: { min: 0, max: 0 },
  async run (ctx: Context) {
    const title = ctx.options.title
    const echo = await openProfile(ctx.home)
    try {
      const party = await echo.createParty({ properties: title === undefined ? {} : { title } })
      if (ctx.json) ctx.outJson({ id: party.id, title: title ?? null })
      else ctx.out(party.id)
    } finally {
      await echo.close()
    }
    return 0
  }
}

interface PartySummary {
  id: string
  title: string | null
  role: string | null
  members: number | null
  items: number | null
  open: boolean
}

function summarize (party: Party): PartySummary {
  if (!party.isOpen) return { id: party.id, title: null, role: null, members: null, items: null, open: false }
  return {
    id: party.id,
    title: partyTitle(party) ?? null,
    role: party.role ?? null,
    members: party.members.value.filter((m) => !m.removed).length,
    items: party.database.select().value.length,
    open: true
  }
}

export const partyList: Command = {
  words: ['party', 'list'],
  usage: '',
  summary: 'list your parties',
  options: [],
  args: { min: 0, max: 0 },
  async run (ctx: Context) {
    const echo = await openProfile(ctx.home)
    try {
      const parties = echo.parties.value.map(summarize)
      if (ctx.json) {
        ctx.outJson(parties)
      } else if (parties.length === 0) {
        ctx.status('no parties yet: "echodb party create --title T" makes one, "echodb join CODE" joins one')
      } else {
        for (const p of parties) {
          const details = p.open
            ? `${(p.role ?? 'pending').padEnd(7)} ${plural(p.members ?? 0, 'member')}, ${plural(p.items ?? 0, 'item')}`
            : 'closed '
          ctx.out(`${shortId(p.id)}  ${details}${p.title === null ? '' : `  ${p.title}`}`)
        }
      }
    } finally {
      await echo.close()
    }
    return 0
  }
}

export const partyMembers: Command = {
  words: ['party', 'members'],
  usage: '<party>',
  summary: "list a party's members, their roles and names",
  options: [],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const echo = await openProfile(ctx.home)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      const me = hex(echo.identity.publicKey)
      const members = party.members.value.map((m) => ({
        identityKey: hex(m.identityKey),
        role: m.role,
        displayName: m.displayName,
        removed: m.removed,
        you: hex(m.identityKey) === me
      }))
      if (ctx.json) {
        ctx.outJson(members)
      } else {
        for (const m of members) {
          const notes = [m.you ? '(you)' : '', m.removed ? '(removed)' : ''].filter((n) => n !== '').join(' ')
          ctx.out(`${shortId(m.identityKey)}  ${m.role.padEnd(6)}  ${m.displayName ?? '(no name)'}${notes === '' ? '' : ' ' + notes}`)
        }
      }
    } finally {
      await echo.close()
    }
    return 0
  }
}
