import { displayNameProblem } from '@echodb/credentials'
import type { Command, Context } from '../command'
import { CliError } from '../errors'
import { hex } from '../format'
import { openProfile, profileExists } from '../profile'

function checkName (name: string): string {
  if (name.trim() === '') throw new CliError('INVALID_NAME', '--name needs a name')
  const problem = displayNameProblem(name)
  if (problem !== null) throw new CliError('INVALID_NAME', `--name ${JSON.stringify(name)}: ${problem}`)
  return name
}

export const init: Command = {
  words: ['init'],
  usage: '[--name NAME]',
  summary: 'create the profile (an identity key) and set the display name',
  options: ['name'],
  args: { min: 0, max: 0 },
  async run (ctx: Context) {
    const name = ctx.options.name === undefined ? undefined : checkName(ctx.options.name)
    const home = ctx.home
    const existed = await profileExists(home)
    const echo = await openProfile(home, { create: true })
    try {
      if (name !== undefined && name !== echo.identity.displayName) await echo.setDisplayName(name)
      const { publicKey, displayName } = echo.identity
      if (ctx.json) {
        ctx.outJson({ home, publicKey: hex(publicKey), displayName: displayName ?? null, created: !existed })
      } else {
        ctx.out(existed ? `profile ${home} already exists` : `created profile ${home}`)
        ctx.out(`identity ${hex(publicKey)}`)
        if (displayName !== undefined) ctx.out(`name     ${displayName}`)
      }
    } finally {
      await echo.close()
    }
    return 0
  }
}

export const whoami: Command = {
  words: ['whoami'],
  usage: '',
  summary: "print this profile's identity key and display name",
  options: [],
  args: { min: 0, max: 0 },
  async run (ctx: Context) {
    const home = ctx.home
    const echo = await openProfile(home)
    try {
      const { publicKey, displayName } = echo.identity
      if (ctx.json) {
        ctx.outJson({ home, publicKey: hex(publicKey), displayName: displayName ?? null })
      } else {
        ctx.out(`identity ${hex(publicKey)}`)
        ctx.out(`name     ${displayName ?? '(none: echodb init --name NAME)'}`)
        ctx.out(`profile  ${home}`)
      }
    } finally {
      await echo.close()
    }
    return 0
  }
}
