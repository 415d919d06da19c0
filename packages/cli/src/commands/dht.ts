import type { Command, Context } from '../command'
import { aborted } from '../io'
import { startBootstrapNode } from '../network'
import { parsePort } from '../options'

export const dht: Command = {
  words: ['dht'],
  usage: '[--port N] [--host H]',
  summary: 'run a DHT bootstrap node (for a LAN or tests) until killed; prints host:port',
  options: ['port', 'host'],
  args: { min: 0, max: 0 },
  async run (ctx: Context) {
    const port = ctx.options.port === undefined ? undefined : parsePort(ctx.options.port, 'port')
    const node = await startBootstrapNode({ port, host: ctx.options.host })
    try {
      if (ctx.json) ctx.outJson({ host: node.host, port: node.port })
      else ctx.out(`${node.host}:${node.port}`)
      ctx.status(`DHT bootstrap node running: pass --bootstrap ${node.host}:${node.port} to other echodb commands (Ctrl-C stops it)`)
      await aborted(ctx.signal)
      return 0
    } finally {
      await node.close()
    }
  }
}
