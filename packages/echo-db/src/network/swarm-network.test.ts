import { randomBytes } from 'crypto'
import { discoveryKey } from '@echodb/credentials'
import { swarmPeers } from '../testing/swarm-peers'

const { peer } = swarmPeers()

test('joins of one topic are counted: the topic is left only when its last join is', async () => {
  const echo = await peer()
  const network = echo.network!
  const topic = randomBytes(32)
  expect(network.joins(topic)).toBe(0)
  expect(network.isOnTopic(topic)).toBe(false)

  const party = network.join(topic) // e.g. a party's topic: announce and look up
  const handshake = network.join(topic, { server: false, client: true }) // e.g. a join handshake on the same topic
  expect(network.joins(topic)).toBe(2)
  await network.leave(topic, handshake)
  expect(network.joins(topic)).toBe(1)
  expect(network.isOnTopic(topic)).toBe(true)

  await network.leave(topic, party)
  expect(network.joins(topic)).toBe(0)
  expect(network.isOnTopic(topic)).toBe(false)
  // Leaving a topic we are not on, or a session twice, changes nothing.
  await network.leave(topic, party)
  await network.leave(randomBytes(32), handshake)
  expect(network.joins(topic)).toBe(0)
})

test('a party that is closed leaves its topic; a join handshake on it meanwhile does not take it down', async () => {
  const echo = await peer()
  const party = await echo.createParty()
  const network = echo.network!
  const topic = discoveryKey(party.key)
  expect(network.joins(topic)).toBe(1)
  const handshake = network.join(topic, { server: false, client: true })
  await network.leave(topic, handshake)
  expect(network.isOnTopic(topic)).toBe(true)
  await party.close()
  expect(network.joins(topic)).toBe(0)
  expect(network.isOnTopic(topic)).toBe(false)
})
