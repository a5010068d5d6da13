/**
 * The dashboard's progressive enhancement, served as `/assets/dashboard.js` (a separate file, so the
 * Content-Security-Policy can forbid inline scripts). Pages work without it; with it:
 * - the overview filter applies as you type (the same rules as the server-side `?q=&state=`);
 * - a page with `data-events` on `<body>` listens to Server-Sent Events and swaps in its fresh
 *   `#live` region on each change, keeping keyboard focus where it was (`data-live="on"` on
 *   `<body>` once connected); when only some codes changed (a `rows` event) and the region has
 *   `data-rows`, it fetches just those rows and the open incidents from there and puts each row in
 *   its place;
 * - a `<pre data-log-src>` follows a run's log until the run's log is complete.
 * Plain ES2017 in a string: there is no build step.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict'
  var form = document.getElementById('filter')
  function applyFilter() {
    if (!form) return
    var q = form.elements.q.value.trim().toLowerCase()
    var state = form.elements.state.value
    var groups = document.querySelectorAll('section.group')
    for (var g = 0; g < groups.length; g++) {
      var rows = groups[g].querySelectorAll('tr[data-code]')
      var shown = 0
      for (var r = 0; r < rows.length; r++) {
        var row = rows[r]
        var ok = (row.getAttribute('data-code').toLowerCase().indexOf(q) !== -1 || row.getAttribute('data-host').indexOf(q) !== -1) && (state === '' || (' ' + row.getAttribute('data-state') + ' ').indexOf(' ' + state + ' ') !== -1)
        row.hidden = !ok
        if (ok) shown++
      }
      groups[g].hidden = shown === 0
    }
  }
  if (form) {
    var sync = function () {
      applyFilter()
      var params = new URLSearchParams()
      if (form.elements.q.value) params.set('q', form.elements.q.value)
      if (form.elements.state.value) params.set('state', form.elements.state.value)
      var query = params.toString()
      history.replaceState(null, '', location.pathname + (query ? '?' + query : ''))
    }
    form.addEventListener('input', sync)
    form.addEventListener('change', sync)
    form.addEventListener('submit', function (event) { event.preventDefault(); sync() })
  }

  var events = document.body.getAttribute('data-events')
  var live = document.getElementById('live')
  if (events && live && window.EventSource) {
    var rowsSrc = live.getAttribute('data-rows')
    var version = null
    var latest = null
    var busy = false
    var queued = null
    var updated = function () {
      // Without a filter every row shows: no need to walk thousands of them.
      if (form && (form.elements.q.value.trim() !== '' || form.elements.state.value !== '')) applyFilter()
      var stamp = document.getElementById('updated')
      if (stamp) stamp.textContent = 'Updated ' + new Date().toLocaleTimeString()
      document.body.setAttribute('data-version', version)
    }
    var fetchText = function (url, headers) {
      return fetch(url, { credentials: 'same-origin', headers: headers || {} }).then(function (response) {
        return response.ok ? response.text().then(function (text) { return { response: response, text: text } }) : Promise.reject(response.status)
      })
    }
    // The whole #live region, fetched again.
    var refreshAll = function () {
      var at = latest
      return fetchText(location.href, { 'X-Timon-Live': '1' }).then(function (got) {
        var fresh = new DOMParser().parseFromString(got.text, 'text/html').getElementById('live')
        if (!fresh) return
        var current = document.getElementById('live')
        var focused = document.activeElement && current.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null
        // The parsed region itself goes in: parsing several megabytes once, not twice.
        current.replaceWith(fresh)
        if (focused) {
          var target = fresh.querySelector('a[href="' + CSS.escape(focused) + '"]')
          if (target) target.focus()
        }
        version = at
        updated()
      })
    }
    // Only the rows of the codes changed since this page's version, and the open incidents.
    var refreshRows = function () {
      return fetchText(rowsSrc + '?since=' + encodeURIComponent(version), {}).then(function (got) {
        if (got.response.headers.get('X-Timon-Live-Full') !== 'false') return refreshAll()
        var fresh = new DOMParser().parseFromString('<body>' + got.text + '</body>', 'text/html')
        var incidents = fresh.getElementById('incidents')
        var current = document.getElementById('incidents')
        if (incidents && current) current.replaceWith(incidents)
        var rows = fresh.querySelectorAll('#rows > tr[data-code]')
        for (var i = 0; i < rows.length; i++) {
          var row = rows[i]
          var code = row.getAttribute('data-code')
          var existing = document.querySelector('#live tr[data-code="' + CSS.escape(code) + '"]')
          if (existing) { existing.replaceWith(row); continue }
          var dot = code.indexOf('.')
          var group = document.querySelector('#live section.group[data-group="' + CSS.escape(dot === -1 ? code : code.slice(0, dot)) + '"]')
          if (!group) return refreshAll() // a new group: the page is laid out again
          var body = group.querySelector('tbody')
          var before = null
          for (var r = 0; r < body.children.length && !before; r++) if (body.children[r].getAttribute('data-code') > code) before = body.children[r]
          body.insertBefore(row, before)
          group.querySelector('h3 .count').textContent = '(' + body.children.length + ')'
          var total = document.getElementById('subjects-count')
          if (total) total.textContent = '(' + (parseInt(total.textContent.slice(1), 10) + 1) + ')'
        }
        version = got.response.headers.get('X-Timon-Live-Version')
        updated()
      })
    }
    var run = function (kind) {
      busy = true
      ;(kind === 'rows' && rowsSrc && version !== null ? refreshRows() : refreshAll())
        .catch(function () {})
        .then(function () {
          busy = false
          if (queued) { var next = queued; queued = null; run(next) }
        })
    }
    var schedule = function (kind, eventVersion) {
      latest = eventVersion
      if (!busy) return run(kind)
      queued = queued === 'all' || kind === 'all' ? 'all' : 'rows'
    }
    var source = new EventSource(events)
    source.addEventListener('hello', function (event) {
      // After a reconnection, changes may have been missed.
      if (version !== null && version !== event.data) schedule('all', event.data)
      else version = latest = event.data
      document.body.setAttribute('data-live', 'on')
    })
    source.addEventListener('change', function (event) { schedule('all', event.data) })
    source.addEventListener('rows', function (event) { schedule('rows', event.data) })
  }

  var log = document.querySelector('pre[data-log-src]')
  if (log) {
    var follow = function () {
      if (log.getAttribute('data-complete') === 'true') return
      fetch(log.getAttribute('data-log-src') + '?from=' + log.getAttribute('data-next'), { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) return
          var next = response.headers.get('X-Timon-Log-Next')
          var complete = response.headers.get('X-Timon-Log-Complete')
          return response.text().then(function (text) {
            var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4
            if (text) log.appendChild(document.createTextNode(text))
            if (atBottom) log.scrollTop = log.scrollHeight
            if (next) log.setAttribute('data-next', next)
            if (complete) log.setAttribute('data-complete', complete)
          })
        })
        .catch(function () {})
        .then(function () { setTimeout(follow, 1000) })
    }
    setTimeout(follow, 1000)
  }

  applyFilter()
})()
`
