import { CliError, UsageError } from './errors'
import type { InvitationRole, NetworkOptions, PeerAddress } from './network'

/**
 * Every option of every command, with one type each; `run` checks which ones a command accepts.
 * (One table lets util.parseArgs know which options take a value before the command is known.)
 */
export const OPTIONS = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  name: { type: 'string' },
  title: { type: 'string' },
  type: { type: 'string' },
  role: { type: 'string' },
  expires: { type: 'string' },
  secret: { type: 'string' },
  bootstrap: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  timeout: { type: 'string' },
  sync: { type: 'boolean' },
  delete: { type: 'string', multiple: true }
} as const

export type OptionName = keyof typeof OPTIONS

export interface OptionValues {
  home?: string
  json?: boolean
  help?: boolean
  version?: boolean
  name?: string
  title?: string
  type?: string
  role?: string
  expires?: string
  secret?: string
  bootstrap?: string
  host?: string
  port?: string
  timeout?: string
  sync?: boolean
  delete?: string[]
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `500ms`, `30s`, `10m`, `2h`, `1d`, or a number of seconds. Refuses zero, negatives and garbage. */
export function parseDuration (text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim())
  const ms = match === null ? NaN : Number(match[1]) * UNITS[match[2] ?? 's']
  if (!Number.isFinite(ms) || ms <= 0 || ms > 365 * UNITS.d) {
    throw new CliError('INVALID_OPTION', `--${option} ${JSON.stringify(text)} is not a duration (e.g. 30s, 10m, 2h)`)
  }
  return Math.round(ms)
}

/** A TCP/UDP port: an integer in 0..65535 (0 picks a free one). */
export function parsePort (text: string, option: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(port) || port > 65535) throw new CliError('INVALID_OPTION', `--${option} ${JSON.stringify(text)} is not a port (0-65535)`)
  return port
}

/** `host:port[,host:port...]`; an IPv6 host goes in brackets: `[::1]:49737`. */
export function parseBootstrap (text: string): PeerAddress[] {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '')
  if (parts.length === 0) throw new CliError('INVALID_OPTION', '--bootstrap needs host:port[,host:port]')
  return parts.map((part) => {
    const match = /^(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d+)$/.exec(part)
    const port = match === null ? NaN : Number(match[3])
    if (match === null || !(port >= 1 && port <= 65535)) {
      throw new CliError('INVALID_OPTION', `--bootstrap ${JSON.stringify(part)} is not host:port`)
    }
    return { host: match[1] ?? match[2], port }
  })
}

/** The network options of a networked command: `--bootstrap` (else ECHODB_BOOTSTRAP, else the public DHT) and `--host`. */
export function networkOptions (values: OptionValues, env: Readonly<Record<string, string | undefined>>): NetworkOptions {
  const options: NetworkOptions = {}
  const bootstrap = values.bootstrap ?? (env.ECHODB_BOOTSTRAP !== undefined && env.ECHODB_BOOTSTRAP !== '' ? env.ECHODB_BOOTSTRAP : undefined)
  if (bootstrap !== undefined) options.bootstrap = parseBootstrap(bootstrap)
  if (values.host !== undefined) {
    if (values.host.trim() === '') throw new CliError('INVALID_OPTION', '--host needs an address')
    options.host = values.host
  }
  return options
}

const ROLES: readonly InvitationRole[] = ['writer', 'reader', 'admin']

export function parseRole (text: string | undefined): InvitationRole {
  if (text === undefined) return 'writer'
  if (!(ROLES as readonly string[]).includes(text)) throw new UsageError(`--role must be writer, reader or admin, not ${JSON.stringify(text)}`)
  return text as InvitationRole
}
