/**
 * The dashboard's stylesheet. Light and dark follow `prefers-color-scheme`; every health colour is
 * paired with a word, never colour alone; text colours keep a contrast of at least 4.5:1.
 */
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --link: #0550ae; --focus: #0969da;
  --healthy: #1a7f37; --warning: #8a5a00; --critical: #cf222e; --unknown: #59636e; --running: #0969da; --none: #818b98;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --link: #4493f8; --focus: #4493f8;
    --healthy: #3fb950; --warning: #d29922; --critical: #f85149; --unknown: #9198a1; --running: #4493f8; --none: #656c76;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem; }
.skip:focus { left: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header nav { display: flex; gap: 1rem; flex: 1; flex-wrap: wrap; align-items: center; }
header form { margin-left: auto; }
main { padding: 1rem; max-width: 90rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
/* Groups off screen are neither laid out nor painted: a 10,000-row overview stays quick to swap. */
section.group { content-visibility: auto; contain-intrinsic-size: auto 30rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; }
form.filter { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
form.filter label, form.stack label { display: block; font-size: .85rem; color: var(--muted); }
input, select, textarea, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .5rem; }
button { background: var(--panel); cursor: pointer; }
button.danger { border-color: var(--critical); color: var(--critical); }
textarea { width: 100%; min-height: 4rem; }
form.stack { display: grid; gap: .5rem; max-width: 32rem; margin: 1rem 0; }
.health { font-weight: 600; }
.health::before { content: ""; display: inline-block; width: .65em; height: .65em; border-radius: 50%; margin-right: .35em; background: currentColor; }
.h-healthy { color: var(--healthy); } .h-warning { color: var(--warning); } .h-critical { color: var(--critical); }
.h-unknown { color: var(--unknown); } .h-running { color: var(--running); } .h-none { color: var(--none); }
.flag { display: inline-block; font-size: .75rem; border: 1px solid var(--line); border-radius: 999px; padding: 0 .45em; margin-right: .2em; }
.flag-stale, .flag-overtime { border-color: var(--warning); color: var(--warning); }
.flag-incident { border-color: var(--critical); color: var(--critical); }
.flag-held { border-color: var(--muted); color: var(--muted); border-style: dashed; }
.flag-running { border-color: var(--running); color: var(--running); }
.strip { display: inline-flex; gap: 2px; vertical-align: middle; }
.strip i { display: block; width: 6px; height: 16px; border-radius: 1px; background: currentColor; }
.chart svg { width: 100%; height: 8rem; background: var(--panel); border: 1px solid var(--line); }
.chart .bar { fill: currentColor; }
.chart figcaption { font-size: .85rem; color: var(--muted); }
.log { max-height: 28rem; overflow: auto; background: var(--panel); border: 1px solid var(--line); padding: .5rem; white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline li { border-left: 3px solid var(--line); padding: .2rem .75rem; margin-bottom: .4rem; }
ol.timeline li.person { border-left-color: var(--link); }
.alert { border: 1px solid var(--critical); color: var(--critical); padding: .5rem .75rem; border-radius: 6px; }
.pre { white-space: pre-wrap; }
[hidden] { display: none !important; }
@media (max-width: 40rem) { .wide { display: none; } main { padding: .5rem; } }
`
