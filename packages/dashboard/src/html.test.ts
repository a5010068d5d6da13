import { describe, expect, it } from 'vitest'
import { escapeHtml, html, trusted } from './html.js'

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
    expect(escapeHtml('plain text')).toBe('plain text')
  })

  it('escapes interpolated text and lists, and keeps markup built by html or trusted', () => {
    const inner = html`<b>${'<i>'}</b>`
    const page = html`<p title="${'"x"'}">${[inner, '<u>', 3, trusted('<br>')]}</p>`
    expect(page.text).toBe('<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;u&gt;3<br></p>')
  })

  it('prints nothing for null, undefined and booleans', () => {
    expect(html`[${null}${undefined}${false}${true}]`.text).toBe('[]')
  })
})
