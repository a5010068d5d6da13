import { describe, expect, it } from 'vitest'
import { proxyFor, viaHttpProxy } from './proxy.js'

describe('proxyFor', () => {
  it('takes HTTPS_PROXY for https: URLs and HTTP_PROXY for http: ones, the lowercase names first', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128', http_proxy: 'http://lower:8080' }
    expect(proxyFor('https://hooks.example.com/x', env)?.href).toBe('http://secure:3128/')
    expect(proxyFor('http://hooks.example.com/x', env)?.href).toBe('http://lower:8080/')
    expect(proxyFor('https://hooks.example.com/x', { HTTP_PROXY: 'http://plain:3128' })).toBeUndefined()
    expect(proxyFor('https://hooks.example.com/x', { HTTPS_PROXY: 'proxy.corp:3128' })?.href).toBe(
      'http://proxy.corp:3128/',
    )
    expect(proxyFor('https://hooks.example.com/x', { HTTPS_PROXY: '' })).toBeUndefined()
  })

  it.each([
    ['*', 'https://a.example.com', true],
    ['example.com', 'https://example.com', true],
    ['example.com', 'https://hooks.example.com', true],
    ['.example.com', 'https://hooks.example.com', true],
    ['*.example.com', 'https://hooks.example.com', true],
    ['example.com', 'https://notexample.com', false],
    ['other.org, example.com', 'https://example.com', true],
    ['example.com:8443', 'https://example.com:8443', true],
    ['example.com:8443', 'https://example.com', false],
    ['example.com:443', 'https://example.com', true],
    ['127.0.0.1', 'http://127.0.0.1:9000', true],
    ['::1', 'http://[::1]:9000', true],
    ['[::1]:9000', 'http://[::1]:9000', true],
    ['EXAMPLE.com', 'https://Example.COM', true],
  ])('NO_PROXY %j bypasses the proxy for %s: %s', (noProxy, url, bypassed) => {
    expect(
      proxyFor(url, { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1', NO_PROXY: noProxy }) === undefined,
    ).toBe(bypassed)
  })
})

describe('viaHttpProxy', () => {
  it('sends to the proxy with the absolute URL, the origin as Host and basic credentials', () => {
    expect(viaHttpProxy('http://hooks.example.com:8080/x?y=1', new URL('http://ann:p%40ss@proxy:3128'))).toEqual({
      host: 'proxy',
      port: 3128,
      path: 'http://hooks.example.com:8080/x?y=1',
      headers: {
        Host: 'hooks.example.com:8080',
        'Proxy-Authorization': `Basic ${Buffer.from('ann:p@ss').toString('base64')}`,
      },
    })
  })
})
