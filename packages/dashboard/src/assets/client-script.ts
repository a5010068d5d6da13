/**
 * The dashboard's progressive enhancement, served as `/assets/dashboard.js` (a separate file, so the
 * Content-Security-Policy can forbid inline scripts). Pages work without it; with it:
 * - the overview filter applies as you type (the same rules as the server-side `?q=&state=`);
 * - a page with `data-events` on `<body>` listens to Server-Sent Events and swaps in its fresh
 *   `#live` region on each change, keeping keyboard focus where it was (`data-live="on"` on
 *   `<body>` once connected);
 * - a `<pre data-log-src>` follows a run's log until the run's log is complete.
 * Plain ES2017 in a string: there is no build step.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
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
        var ok = row.getAttribute('data-code').indexOf(q) !== -1 && (state === '' || (' ' + row.getAttribute('data-state') + ' ').indexOf(' ' + state + ' ') !== -1)
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
    var refreshing = false
    var again = false
    var refresh = function (version) {
      if (refreshing) { again = true; return }
      refreshing = true
      fetch(location.href, { credentials: 'same-origin', headers: { 'X-Timon-Live': '1' } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status) })
        .then(function (text) {
          var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('live')
          if (!fresh) return
          var current = document.getElementById('live')
          var focused = document.activeElement && current.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null
          // The parsed region itself goes in: parsing several megabytes once, not twice.
          current.replaceWith(fresh)
          if (focused) {
            var target = fresh.querySelector('a[href="' + CSS.escape(focused) + '"]')
            if (target) target.focus()
          }
          applyFilter()
          var stamp = document.getElementById('updated')
          if (stamp) stamp.textContent = 'Updated ' + new Date().toLocaleTimeString()
          document.body.setAttribute('data-version', version)
        })
        .catch(function () {})
        .then(function () {
          refreshing = false
          if (again) { again = false; refresh(version) }
        })
    }
    var source = new EventSource(events)
    source.addEventListener('hello', function () { document.body.setAttribute('data-live', 'on') })
    source.addEventListener('change', function (event) { refresh(event.data) })
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
