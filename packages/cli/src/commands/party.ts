import type { Party } from '@echodb/echo-db'
import type { Command, Context } from '../command'
import { hex, partyTitle, plural, shortId } from '../format'
import { CliError } from '../errors'
import { openProfile } from '../profile'
import { findParty, matchPrefix, resolveParty } from '../resolve'
import { withParty } from './items'

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
  summary: "list a party's members (removed ones marked), their roles and names",
  options: [],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const echo = await openProfile(ctx.home)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      const me = hex(echo.identity.publicKey)
      // Removed members too, marked: who was in the party explains whose items are there.
      const members = party.partyState.listMembers({ includeRemoved: true }).map((m) => ({
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

export const partyRemove: Command = {
  words: ['party', 'remove'],
  usage: '<party> <member> [--sync]',
  summary: "remove a member (admins only); their writes so far stay, later ones don't count",
  options: ['sync', 'bootstrap', 'host', 'timeout'],
  args: { min: 2, max: 2 },
  async run (ctx: Context) {
    // Online, it catches up first: the member's writes this peer has processed are the ones that stay valid.
    return await withParty(ctx, 'read-write', async (party, echo) => {
      const me = hex(echo.identity.publicKey)
      const current = party.members.value.map((m) => ({ id: hex(m.identityKey), value: m })) // current members only
      const member = matchPrefix('member', ctx.args[1], current, `in party ${shortId(party.id)} ("echodb party members" lists them)`)
      if (hex(member.identityKey) === me) throw new CliError('INVALID_ARGUMENT', 'you cannot remove yourself from a party')
      await party.removeMember(member.identityKey)
      const name = member.displayName ?? '(no name)'
      if (ctx.json) ctx.outJson({ party: party.id, removed: hex(member.identityKey), displayName: member.displayName ?? null })
      else ctx.out(`removed ${name} (${shortId(hex(member.identityKey))}) from party ${shortId(party.id)}`)
    })
  }
}

export const partyClose: Command = {
  words: ['party', 'close'],
  usage: '<party>',
  summary: 'close a party: it is neither opened nor synced until a command names it again',
  options: [],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const echo = await openProfile(ctx.home)
    try {
      const party = findParty(echo, ctx.args[0])
      const wasOpen = party.isOpen
      if (wasOpen) await party.close()
      if (ctx.json) ctx.outJson({ id: party.id, closed: true, wasOpen })
      else ctx.out(wasOpen ? `closed party ${shortId(party.id)}` : `party ${shortId(party.id)} was already closed`)
    } finally {
      await echo.close()
    }
    return 0
  }
}
