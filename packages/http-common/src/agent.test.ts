import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeepAliveAgent, defaultCertificates } from './agent.js'

const EXTRA_CA = '-----BEGIN CERTIFICATE-----\n(extra)\n-----END CERTIFICATE-----\n'

const agents: http.Agent[] = []
const make = (...args: Parameters<typeof createKeepAliveAgent>) => {
  const agent = createKeepAliveAgent(...args)
  agents.push(agent)
  return agent
}

afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy()
})

/** What an agent was created with (Node keeps it as `options`). */
const optionsOf = (agent: http.Agent) => (agent as http.Agent & { options: https.AgentOptions }).options

describe('createKeepAliveAgent', () => {
  it('makes an http.Agent for http URLs, ignoring ca', () => {
    const agent = make('http://h:3000/x', { ca: EXTRA_CA })
    expect(agent).toBeInstanceOf(http.Agent)
    expect(agent).not.toBeInstanceOf(https.Agent)
    expect(optionsOf(agent)).toMatchObject({ keepAlive: true, scheduling: 'lifo' })
    expect(optionsOf(agent).ca).toBeUndefined()
  })

  it('makes an https.Agent for https URLs, trusting the default CAs unless told more', () => {
    const agent = make(new URL('https://h/x'))
    expect(agent).toBeInstanceOf(https.Agent)
    expect(optionsOf(agent).ca).toBeUndefined()
  })

  it('trusts an extra CA besides the default ones', () => {
    const ca = optionsOf(make('https://h/x', { ca: EXTRA_CA })).ca
    expect(ca).toEqual([...defaultCertificates(), EXTRA_CA])
  })

  it('passes socket limits on, and only when given', () => {
    expect(make('https://h/', { maxSockets: 1, maxFreeSockets: 1 })).toMatchObject({ maxSockets: 1, maxFreeSockets: 1 })
    expect(make('http://h/')).toMatchObject({
      maxSockets: http.globalAgent.maxSockets,
      maxFreeSockets: http.globalAgent.maxFreeSockets,
    })
  })
})

describe('defaultCertificates', () => {
  it("is Node's default list: non-empty PEM certificates, the bundled ones included", () => {
    const certificates = defaultCertificates()
    expect(certificates.length).toBeGreaterThan(0)
    expect(certificates.every((pem) => pem.startsWith('-----BEGIN CERTIFICATE-----'))).toBe(true)
    expect(certificates).toEqual(expect.arrayContaining([...tls.rootCertificates].slice(0, 3)))
  })
})
