import type { EventName } from '@timon/core'
import { describe, expect, it } from 'vitest'
import { event } from '../test/helpers.js'
import { buildPayload } from './payload.js'
import { PRESETS } from './presets.js'

const build = (preset: keyof typeof PRESETS, name: EventName, url = 'https://example.com/hook') => {
  const request = PRESETS[preset].build(buildPayload(event(name), 'prod-1'), { url })
  return { url: request.url, body: JSON.parse(request.body) as Record<string, unknown> }
}

describe('the discord preset', () => {
  it.each([
    ['incident.open', 0xe74c3c],
    ['incident.relapsed', 0xe74c3c],
    ['incident.recovered', 0x2ecc71],
    ['incident.resolved', 0x2ecc71],
    ['timon.started', 0x3498db],
    ['incident.annotated', 0x95a5a6],
    ['timon.ping', 0x95a5a6],
  ] as const)('colours the embed of %s as %i', (name, color) => {
    const { body } = build('discord', name)
    expect(body).toMatchObject({ embeds: [{ color }] })
  })

  it('builds one embed with the incident, its note, and no mentions', () => {
    expect(build('discord', 'incident.open')).toEqual({
      url: 'https://example.com/hook',
      body: {
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: 'INC-3 opened: db.backup is critical',
            description: 'db.backup turned critical',
            color: 0xe74c3c,
            timestamp: '2026-04-19T00:05:40Z',
            fields: [
              { name: 'State', value: 'open', inline: true },
              { name: 'Trigger', value: 'critical', inline: true },
              { name: 'Host', value: 'prod-1', inline: true },
            ],
            footer: { text: 'Timon' },
          },
        ],
      },
    })
  })

  it("keeps within Discord's limits", () => {
    const long = `${'x'.repeat(300)}`
    const request = PRESETS.discord.build(buildPayload(event('incident.open', { incident: { title: long } }), 'h'), {
      url: 'u',
    })
    const embed = (JSON.parse(request.body) as { embeds: { title: string }[] }).embeds[0]
    expect(embed?.title).toHaveLength(256)
    expect(embed?.title.endsWith('…')).toBe(true)
  })

  it('says who started for timon.started', () => {
    expect(build('discord', 'timon.started').body).toMatchObject({
      embeds: [{ title: 'Timon started on prod-1', fields: [{ name: 'Host', value: 'prod-1' }] }],
    })
  })
})

describe('the slack preset', () => {
  it('posts text with a coloured attachment, escaped for Slack', () => {
    const request = PRESETS.slack.build(
      buildPayload(event('incident.recovered', { incident: { title: 'a <b> & c' }, note: 'back' }), 'prod-1'),
      { url: 'https://hooks.slack.com/services/T/B/X' },
    )
    expect(request.url).toBe('https://hooks.slack.com/services/T/B/X')
    expect(JSON.parse(request.body)).toMatchObject({
      text: 'INC-3 recovered: a &lt;b&gt; &amp; c',
      attachments: [{ color: '#2ecc71', text: 'back', ts: Date.parse('2026-04-19T00:05:40Z') / 1000 }],
    })
  })
})

describe('the ntfy preset', () => {
  it('posts JSON to the server root with the topic of the configured URL', () => {
    expect(build('ntfy', 'incident.open', 'https://ntfy.example.com/base/alerts?auth=abc')).toEqual({
      url: 'https://ntfy.example.com/base/?auth=abc',
      body: {
        topic: 'alerts',
        title: 'INC-3 opened: db.backup is critical',
        message: 'db.backup turned critical\n(prod-1)',
        priority: 4,
        tags: ['rotating_light'],
      },
    })
  })
})

describe('the gotify preset', () => {
  it('posts title, message and a priority that is high for alerts', () => {
    expect(build('gotify', 'incident.relapsed').body).toEqual({
      title: 'INC-3 relapsed: db.backup is critical',
      message: 'db.backup turned critical\n(prod-1)',
      priority: 8,
    })
    expect(build('gotify', 'timon.ping').body).toMatchObject({ title: 'Timon ping from prod-1', priority: 2 })
  })

  it('falls back to the description, then the title, when there is no note', () => {
    const payload = buildPayload(event('incident.open', { note: null, incident: { description: 'nightly dump' } }), 'h')
    expect(JSON.parse(PRESETS.gotify.build(payload, { url: 'u' }).body)).toMatchObject({ message: 'nightly dump\n(h)' })
    const bare = buildPayload(event('incident.open', { note: null }), 'h')
    expect(JSON.parse(PRESETS.gotify.build(bare, { url: 'u' }).body)).toMatchObject({
      message: 'db.backup is critical\n(h)',
    })
  })
})

describe('the telegram preset', () => {
  const url = 'https://api.telegram.org/bot123:ABC/sendMessage'
  const telegram = (
    name: EventName,
    options: Parameters<typeof event>[1] = {},
    target: { chatId?: number | string; threadId?: number } = { chatId: -1001 },
  ) =>
    JSON.parse(PRESETS.telegram.build(buildPayload(event(name, options), 'prod-1'), { url, ...target }).body) as Record<
      string,
      unknown
    >

  it("sends the state's emoji, the title, the description, the note and the incident code in HTML", () => {
    expect(telegram('incident.open', { incident: { description: 'nightly dump' } })).toEqual({
      chat_id: -1001,
      text: '🔴 <b>INC-3 opened: db.backup is critical</b>\nnightly dump\n<i>db.backup turned critical</i>\n<code>INC-3</code> · open · prod-1',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    })
    expect(telegram('incident.recovered', { incident: { state: 'recovered' }, note: null })['text']).toBe(
      '🟢 <b>INC-3 recovered: db.backup is critical</b>\n<code>INC-3</code> · recovered · prod-1',
    )
    expect(telegram('timon.started')['text']).toBe('🚀 <b>Timon started on prod-1</b>\nprod-1')
  })

  it('escapes &, < and > inside every value, once, and nothing of its own markup', () => {
    const text = telegram('incident.open', {
      incident: { title: 'a <b>&amp; c', description: 'x > y && <script>' },
      note: '</i><b>',
    })['text']
    expect(text).toBe(
      '🔴 <b>INC-3 opened: a &lt;b&gt;&amp;amp; c</b>\nx &gt; y &amp;&amp; &lt;script&gt;\n<i>&lt;/i&gt;&lt;b&gt;</i>\n<code>INC-3</code> · open · prod-1',
    )
  })

  it('posts to the forum topic when thread_id is set, and to a channel by @username', () => {
    expect(telegram('incident.open', {}, { chatId: '@ops', threadId: 42 })).toMatchObject({
      chat_id: '@ops',
      message_thread_id: 42,
    })
    expect(telegram('incident.open')).not.toHaveProperty('message_thread_id')
  })
})
