import type { Command, Context } from '../command'
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED } from '../errors'
import { hex, partyLabel, partyTitle, plural, shortId } from '../format'
import { aborted } from '../io'
import { InvitationError, isMemberCode, type PartyInvitation } from '../network'
import { formatProgress, openEcho, partyFeeds, peerHas, ProgressPrinter, seconds, syncTimeout, waitUntil } from '../online'
import { parseDuration, parseRole } from '../options'
import { openProfile } from '../profile'
import { readSecret } from '../prompt'
import { resolveParty } from '../resolve'

const DEFAULT_EXPIRY = '10m'
/** After the invitee is admitted the greeter stays this long (at most) so that the invitee can download the party. */
const HANDOVER_TIMEOUT = 30_000

type Outcome =
  | { kind: 'joined', identityKey: Buffer }
  | { kind: 'failed', error: unknown }
  | { kind: 'interrupted' }

async function outcomeOf (invitation: PartyInvitation, signal: AbortSignal | undefined): Promise<Outcome> {
  return await Promise.race<Outcome>([
    invitation.done.then(
      (joined) => ({ kind: 'joined', identityKey: joined.identityKey }),
      (error: unknown) => ({ kind: 'failed', error })
    ),
    aborted(signal).then(() => ({ kind: 'interrupted' }))
  ])
}

/** How the greeter's side of a dead invitation reads. */
function greeterFailure (error: unknown, expiresIn: number): unknown {
  if (!(error instanceof InvitationError)) return error
  switch (error.reason) {
    case 'EXPIRED': return new CliError('EXPIRED', `the invitation expired after ${seconds(expiresIn)} with nobody joining`, EXIT_FAILURE)
    case 'TOO_MANY_ATTEMPTS': return new CliError('TOO_MANY_ATTEMPTS', 'the invitation died after too many wrong secrets: make a new one', EXIT_FAILURE)
    default: return new CliError(error.reason, `the invitation failed: ${error.message}`, EXIT_FAILURE)
  }
}

export const invite: Command = {
  words: ['invite'],
  usage: '<party> [--role writer|reader] [--expires 10m] [--secret S]',
  summary: 'invite someone: prints a code and a secret, waits online for them to join',
  options: ['role', 'expires', 'secret', 'bootstrap', 'host', 'timeout'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const role = parseRole(ctx.options.role)
    const expiresIn = parseDuration(ctx.options.expires ?? DEFAULT_EXPIRY, 'expires')
    const handover = ctx.options.timeout === undefined ? HANDOVER_TIMEOUT : syncTimeout(ctx)
    const echo = await openEcho(ctx, true)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      if (party.role !== 'admin') {
        throw new CliError('NOT_AN_ADMIN', `only admins invite: you are ${party.role === undefined ? 'not yet a member' : `a ${party.role}`} of party ${shortId(party.id)}`)
      }
      // The invitee replicates our feed from the handshake on; once it has come and gone, it has caught up
      // (its join resolves only then), so the hand-over below can end without waiting for a timeout.
      const ownCore = party.ownFeed.core
      let peerCame = false
      const onPeer = (): void => { peerCame = true }
      ownCore.on('peer-add', onPeer)
      const invitation = await party.createInvitation({ role, expiresAt: Date.now() + expiresIn, secret: ctx.options.secret })
      invitation.on('attempt', (attempt) => {
        if (!attempt.ok) ctx.status(`echodb: a join attempt was refused: ${attempt.reason ?? 'no reason given'}${attempt.detail === undefined ? '' : ` (${attempt.detail})`}`)
      })
      if (ctx.json) {
        ctx.outJson({ event: 'invitation', party: party.id, code: invitation.code, secret: invitation.secret, role, expiresAt: invitation.expiresAt })
      } else {
        ctx.out(`code:   ${invitation.code}`)
        ctx.out(`secret: ${invitation.secret}`)
      }
      const until = invitation.expiresAt === null ? '' : ` until ${new Date(invitation.expiresAt).toLocaleTimeString()}`
      ctx.status(`Invited to party ${partyLabel(party)} as ${role}. Give the code and the secret to the invitee by two ` +
        `different channels. Waiting${until} (Ctrl-C cancels)...`)

      const outcome = await outcomeOf(invitation, ctx.signal)
      if (outcome.kind === 'interrupted') {
        await invitation.cancel()
        ctx.status('echodb: invitation cancelled')
        return EXIT_INTERRUPTED
      }
      if (outcome.kind === 'failed') throw greeterFailure(outcome.error, expiresIn)
      const key = hex(outcome.identityKey)
      const name = party.members.value.find((m) => m.identityKey.equals(outcome.identityKey))?.displayName ?? null
      if (ctx.json) {
        ctx.outJson({ event: 'joined', party: party.id, identityKey: key, displayName: name, role })
      } else {
        ctx.out(`${name ?? 'someone'} (${shortId(key)}) joined party ${shortId(party.id)} as ${role}`)
      }
      // Stay online until a peer holds the whole party (the new member is catching up from us).
      ctx.status('handing the party over to the new member...')
      const feeds = partyFeeds(echo, party)
      const handedOver = await waitUntil(() => feeds.every(peerHas) || (peerCame && ownCore.peers.length === 0), handover, ctx.signal)
      ownCore.off('peer-add', onPeer)
      if (!handedOver && ctx.signal?.aborted !== true) {
        ctx.status(`echodb: the new member had not downloaded everything after ${seconds(handover)}; it will catch up from any member online`)
      }
      return 0
    } finally {
      await echo.close()
    }
  }
}

export const admit: Command = {
  words: ['admit'],
  usage: '<party> <identity-key> [--role writer|reader|admin]',
  summary: 'offline invitation: admit a known identity key now; prints the code it joins with (no secret)',
  options: ['role'],
  args: { min: 2, max: 2 },
  async run (ctx: Context) {
    const role = parseRole(ctx.options.role)
    const keyHex = ctx.args[1].toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(keyHex)) {
      throw new CliError('INVALID_KEY', `${JSON.stringify(ctx.args[1])} is not an identity key (64 hex characters, as "echodb whoami" prints it)`)
    }
    const echo = await openProfile(ctx.home)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      const code = await party.admitKey(Buffer.from(keyHex, 'hex'), role)
      if (ctx.json) ctx.outJson({ party: party.id, identityKey: keyHex, role, code })
      else ctx.out(code)
      ctx.status(`Admitted ${shortId(keyHex)} to party ${partyLabel(party)} as ${role}. They run "echodb join <code>" ` +
        '(no secret) while any member of the party is online, e.g. "echodb watch".')
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
    // An offline invitation (echodb admit) needs no secret: the identity was admitted in advance.
    let secret: string | undefined
    if (!isMemberCode(code)) {
      secret = ctx.options.secret ?? await readSecret(ctx.io, 'Secret: ')
      if (secret === undefined || secret.trim() === '') {
        throw new CliError('NO_SECRET', 'no secret given: type it at the prompt or pass --secret S')
      }
      secret = secret.trim()
    }
    const echo = await openEcho(ctx, true)
    try {
      ctx.status(secret === undefined ? 'looking for a member of the party...' : 'looking for the greeter...')
      const printer = new ProgressPrinter((progress) => ctx.status(formatProgress(progress)))
      const joining = echo.joinParty(code, secret, { timeout, onProgress: (progress) => printer.update(progress) })
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
