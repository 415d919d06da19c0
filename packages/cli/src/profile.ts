import { access, writeFile } from 'fs/promises'
import { homedir } from 'os'
import { join, resolve } from 'path'
import debug from 'debug'
import { ECHO } from '@echodb/echo-db'
import { CliError, EXIT_FAILURE } from './errors'
import type { CliIo } from './io'
import type { NetworkOptions } from './network'

const log = debug('echo:cli:profile')

/** Written by `echodb init`: a directory without it is not a profile (so a typo in --home is not a new identity). */
export const PROFILE_FILE = 'echodb-profile.json'

/** The profile directory: `--home DIR`, else ECHODB_HOME, else `~/.echodb`. */
export function resolveHome (option: string | undefined, io: Pick<CliIo, 'env' | 'homedir'>): string {
  const env = io.env.ECHODB_HOME
  const dir = option ?? (env !== undefined && env !== '' ? env : join(io.homedir ?? homedir(), '.echodb'))
  if (dir.trim() === '') throw new CliError('INVALID_OPTION', '--home needs a directory')
  return resolve(dir)
}

export async function profileExists (home: string): Promise<boolean> {
  try {
    await access(join(home, PROFILE_FILE))
    return true
  } catch {
    return false
  }
}

export interface OpenOptions {
  /** Create the profile when there is none (`init`); otherwise a missing profile is an error. */
  create?: boolean
  /** Go online with these options; without them the instance never touches the network. */
  network?: NetworkOptions
}

/** Opens the profile's ECHO instance. Errors: NO_PROFILE (exit 1), PROFILE_IN_USE (exit 2). */
export async function openProfile (home: string, options: OpenOptions = {}): Promise<ECHO> {
  const exists = await profileExists(home)
  if (!exists && options.create !== true) {
    throw new CliError('NO_PROFILE', `no profile in ${home}: run "echodb init" first (or pass --home DIR or set ECHODB_HOME)`)
  }
  let echo: ECHO
  try {
    echo = await ECHO.create({ directory: home, network: options.network })
  } catch (err) {
    if (isLockError(err)) {
      throw new CliError('PROFILE_IN_USE', `profile ${home} is in use by another echodb process (a running watch, invite, join or sync?)`, EXIT_FAILURE, { cause: err })
    }
    throw err
  }
  if (!exists) {
    try {
      await writeFile(join(home, PROFILE_FILE), JSON.stringify({ version: 1, createdAt: new Date().toISOString() }) + '\n', { flag: 'wx' })
    } catch (err) {
      await echo.close()
      throw err
    }
    log('created profile %s', home)
  }
  return echo
}

function isLockError (err: unknown): boolean {
  for (let e = err as { code?: unknown, cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'LEVEL_LOCKED') return true
  }
  return false
}
