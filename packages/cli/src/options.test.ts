import { debugWanted } from './io'
import { networkOptions, parseBootstrap, parseDuration, parsePort, parseRole } from './options'

test('durations', () => {
  expect(parseDuration('500ms', 'x')).toBe(500)
  expect(parseDuration('30s', 'x')).toBe(30_000)
  expect(parseDuration('10m', 'x')).toBe(600_000)
  expect(parseDuration('2h', 'x')).toBe(7_200_000)
  expect(parseDuration('1.5', 'x')).toBe(1500)
  for (const bad of ['', '0', '-1s', '10x', 'm', '1e3', '999d']) {
    expect(() => parseDuration(bad, 'expires')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('--expires') }))
  }
})

test('bootstrap addresses', () => {
  expect(parseBootstrap('127.0.0.1:49737')).toEqual([{ host: '127.0.0.1', port: 49737 }])
  expect(parseBootstrap('a.lan:1, b.lan:65535')).toEqual([{ host: 'a.lan', port: 1 }, { host: 'b.lan', port: 65535 }])
  expect(parseBootstrap('[::1]:8000')).toEqual([{ host: '::1', port: 8000 }])
  for (const bad of ['', 'host', 'host:', ':80', 'host:0', 'host:65536', 'host:80x', '::1:80']) {
    expect(() => parseBootstrap(bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  }
})

test('--bootstrap wins over ECHODB_BOOTSTRAP; without either the options name no bootstrap', () => {
  expect(networkOptions({ bootstrap: 'a:1' }, { ECHODB_BOOTSTRAP: 'b:2' })).toEqual({ bootstrap: [{ host: 'a', port: 1 }] })
  expect(networkOptions({ host: '127.0.0.1' }, { ECHODB_BOOTSTRAP: 'b:2' })).toEqual({ bootstrap: [{ host: 'b', port: 2 }], host: '127.0.0.1' })
  expect(networkOptions({}, {})).toEqual({})
})

test('ports and roles', () => {
  expect(parsePort('0', 'port')).toBe(0)
  expect(parsePort('49737', 'port')).toBe(49737)
  for (const bad of ['', '-1', '65536', '8o']) expect(() => parsePort(bad, 'port')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  expect(parseRole(undefined)).toBe('writer')
  expect(parseRole('reader')).toBe('reader')
  expect(() => parseRole('owner')).toThrow(expect.objectContaining({ code: 'USAGE' }))
})

test('DEBUG patterns that show stacks', () => {
  expect(debugWanted({ DEBUG: 'echo:*' })).toBe(true)
  expect(debugWanted({ DEBUG: '*' })).toBe(true)
  expect(debugWanted({ DEBUG: 'echo:cli' })).toBe(true)
  expect(debugWanted({ DEBUG: 'echo:*,-echo:cli' })).toBe(false)
  expect(debugWanted({ DEBUG: 'hypercore' })).toBe(false)
  expect(debugWanted({})).toBe(false)
})
