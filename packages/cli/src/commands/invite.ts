import type { Command, Context } from '../command'
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED } from '../errors'
import { hex, partyLabel, partyTitle, plural, shortId } from '../format'
import { aborted } from '../io'
import { createInvitation, joinParty, requireInvitations, type Invitation } from '../network'
import { formatProgress, openEcho, partyFeeds, ProgressPrinter, pushFeeds, seconds, syncTimeout } from '../online'
import { parseDuration, parseRole } from '../options'
import { readSecret } from '../prompt'
import { resolveParty } from '../resolve'

const DEFAULT_EXPIRY = '10m'
/** After the invitee is admitted the greeter stays this long (at most) so that the invitee can download the party. */
const HANDOVER_TIMEOUT = 30_000

type Outcome =
  | { kind: 'joined', identityKey: Buffer, displayName?: string }
  | { kind: 'failed', error: unknown }
  | { kind: 'expired' }
  | { kind: 'interrupted' }

async function outcomeOf (invitation: Invitation, expiresAt: number, signal: AbortSignal | undefined): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race<Outcome>([
      invitation.done.then(
        (joined) => ({ kind: 'joined', identityKey: joined.identityKey, displayName: joined.displayName }),
        (error: unknown) => ({ kind: 'failed', error })
      ),
      aborted(signal).then(() => ({ kind: 'interrupted' })),
      // The greeter refuses late attempts itself; this only bounds how long the command waits.
      new Promise<Outcome>((resolve) => { timer = setTimeout(() => resolve({ kind: 'expired' }), Math.max(0, expiresAt - Date.now()) + 1000) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

export const invite: Command = {
  words: ['invite'],
  usage: '<party> [--role writer|reader] [--expires 10m]',
  summary: 'invite someone: prints a code and a secret, waits online for them to join',
  options: ['role', 'expires', 'bootstrap', 'host', 'timeout'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const role = parseRole(ctx.options.role)
    const expiresIn = parseDuration(ctx.options.expires ?? DEFAULT_EXPIRY, 'expires')
    const handover = ctx.options.timeout === undefined ? HANDOVER_TIMEOUT : syncTimeout(ctx)
    requireInvitations()
    const echo = await openEcho(ctx, true)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      if (party.role !== 'admin') {
        throw new CliError('NOT_AN_ADMIN', `only admins invite: you are ${party.role === undefined ? 'not yet a member' : `a ${party.role}`} of party ${shortId(party.id)}`)
      }
      const expiresAt = Date.now() + expiresIn
      const invitation = await createInvitation(party, { role, expiresAt })
      invitation.done.catch(() => {}) // handled through outcomeOf; never an unhandled rejection after we stop waiting
      invitation.on('attempt', (attempt) => {
        if (!attempt.ok) ctx.status(`echodb: a join attempt was refused: ${attempt.reason ?? 'no reason given'}`)
      })
      if (ctx.json) {
        ctx.outJson({ event: 'invitation', party: party.id, code: invitation.code, secret: invitation.secret, role, expiresAt })
      } else {
        ctx.out(`code:   ${invitation.code}`)
        ctx.out(`secret: ${invitation.secret}`)
      }
      ctx.status(`Invited to party ${partyLabel(party)} as ${role}. Give the code and the secret to the invitee by two different ` +
        `channels. Waiting until ${new Date(expiresAt).toLocaleTimeString()} (Ctrl-C cancels)...`)

      const outcome = await outcomeOf(invitation, expiresAt, ctx.signal)
      if (outcome.kind === 'interrupted') {
        invitation.cancel()
        ctx.status('echodb: invitation cancelled')
        return EXIT_INTERRUPTED
      }
      if (outcome.kind === 'expired') {
        invitation.cancel()
        throw new CliError('EXPIRED', `the invitation expired after ${seconds(expiresIn)} with nobody joining`, EXIT_FAILURE)
      }
      if (outcome.kind === 'failed') throw outcome.error
      const who = outcome.displayName === undefined || outcome.displayName === '' ? 'someone' : outcome.displayName
      if (ctx.json) {
        ctx.outJson({ event: 'joined', party: party.id, identityKey: hex(outcome.identityKey), displayName: outcome.displayName ?? null, role })
      } else {
        ctx.out(`${who} (${shortId(hex(outcome.identityKey))}) joined party ${shortId(party.id)} as ${role}`)
      }
      // Stay online until a peer holds the whole party (the new member is catching up from us).
      ctx.status('handing the party over to the new member...')
      if (!await pushFeeds(ctx, partyFeeds(echo, party), handover) && ctx.signal?.aborted !== true) {
        ctx.status(`echodb: the new member had not downloaded everything after ${seconds(handover)}; it will catch up from any member online`)
      }
      return 0
    } finally {
      await echo.close()
    }
  }
}

export const join: Command = {
  words: ['join'],
  usage: '<code> [--secret S]',
  summary: 'join a party with an invitation code (asks for the secret), showing sync progress',
  options: ['secret', 'bootstrap', 'host', 'timeout'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const code = ctx.args[0].trim()
    if (code === '') throw new CliError('INVALID_CODE', 'the invitation code is empty')
    const timeout = ctx.options.timeout === undefined ? undefined : parseDuration(ctx.options.timeout, 'timeout')
    requireInvitations()
    const secret = ctx.options.secret ?? await readSecret(ctx.io, 'Secret: ')
    if (secret === undefined || secret.trim() === '') {
      throw new CliError('NO_SECRET', 'no secret given: type it at the prompt or pass --secret S')
    }
    const echo = await openEcho(ctx, true)
    try {
      ctx.status('looking for the greeter...')
      const printer = new ProgressPrinter((progress) => ctx.status(formatProgress(progress)))
      const joining = joinParty(echo, code, secret.trim(), { timeout, onProgress: (progress) => printer.update(progress) })
      joining.catch(() => {}) // awaited below unless interrupted
      const party = await Promise.race([joining, aborted(ctx.signal).then(() => undefined)])
      if (party === undefined) {
        ctx.status('echodb: join interrupted')
        return EXIT_INTERRUPTED
      }
      printer.flush()
      const items = party.database.select().value.length
      if (ctx.json) {
        ctx.outJson({ id: party.id, title: partyTitle(party) ?? null, role: party.role ?? null, items })
      } else {
        ctx.out(`joined party ${partyLabel(party)} as ${party.role ?? 'a member'}: ${plural(items, 'item')}`)
      }
      return 0
    } finally {
      await echo.close()
    }
  }
}
