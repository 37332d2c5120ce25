import { createHash } from 'node:crypto';

/**
 * The landing pages' one stylesheet, inline (the page loads nothing: it must work offline and
 * under a CSP that allows this exact text only). Light and dark, phone and desktop. The
 * `` ` + ` `` breaks inside long rules only keep the source lines short: the text is unchanged.
 */
export const STYLE =
  `
:root { color-scheme: light dark; --bg: #f3f4f1; --card: #fff; --text: #1b1c1a; --muted: #4e524c; --line: #dcdfd8;
  --accent: #0b57d0; --on-accent: #fff; --accent-soft: #e5edfc; --focus: #1b1c1a; --tag: #eceee9; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #151714; --card: #1f221e; --text: #eceee9; --muted: #b5bab1; --line: #353932;
    --accent: #a8c7fa; --on-accent: #062e6f; --accent-soft: #243149; --focus: #eceee9; --tag: #2d312b; }
}
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; margin: 0; ` +
  `color: var(--text); background: var(--bg); -webkit-text-size-adjust: 100%; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 1rem; padding: 1.25rem; }
h1 { font-size: 1.65rem; line-height: 1.2; margin: 0.25rem 0 0.75rem; letter-spacing: -0.01em; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 0 0 0.5rem; }
h3 { font-size: 1rem; margin: 0; display: inline; }
p { margin: 0.5rem 0; }
a { color: var(--accent); }
a:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 0.3rem; }
.muted { color: var(--muted); }
.layout { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
.intro { display: flex; flex-direction: column; gap: 0.5rem; }
.intro svg { flex: none; width: 2.75rem; height: 2.75rem; }
.lead { font-size: 1.05rem; }
.or { margin: 1rem 0 0.25rem; color: var(--muted); }
.actions { margin: 0.75rem 0; }
a.button { display: block; text-align: center; padding: 0.8rem 1.2rem; border-radius: 0.6rem; background: var(--accent); ` +
  `color: var(--on-accent); font-weight: 600; text-decoration: none; border: 2px solid var(--accent); }
a.button.secondary { background: transparent; color: var(--accent); }
a.button:hover { filter: brightness(1.08); }
a.small { display: inline-block; padding: 0.45rem 0.9rem; border-radius: 0.5rem; background: var(--accent-soft); ` +
  `color: var(--text); font-weight: 600; text-decoration: none; }
ol.steps { margin: 0.25rem 0 0; padding-left: 1.4rem; }
ol.steps li { margin: 0.35rem 0; }
details { border-top: 1px solid var(--line); padding: 0.75rem 0 0.25rem; }
details:first-of-type { border-top: 0; }
summary { cursor: pointer; padding: 0.25rem 0; }
summary .count { color: var(--muted); font-size: 0.9rem; }
.here { display: inline-block; margin-left: 0.4rem; padding: 0 0.5rem; border-radius: 1rem; background: var(--accent-soft); ` +
  `font-size: 0.8rem; font-weight: 600; vertical-align: 0.1rem; }
ul.apps { list-style: none; margin: 0.75rem 0 0.5rem; padding: 0; display: grid; gap: 0.75rem; ` +
  `grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); }
.app { display: flex; flex-direction: column; padding: 0.9rem; border: 1px solid var(--line); border-radius: 0.8rem; }
.app .head { display: flex; gap: 0.75rem; align-items: center; }
.app .mark { flex: none; width: 2.75rem; height: 2.75rem; border-radius: 0.7rem; display: grid; place-items: center; ` +
  `font-weight: 700; font-size: 1.25rem; color: #fff; }
.app .name { margin: 0; font-size: 1.05rem; }
.app .text { margin: 0.6rem 0 0; }
.app .note { margin: 0.35rem 0 0; font-size: 0.875rem; color: var(--muted); }
.app .get { margin: 0.75rem 0 0; padding-top: 0; margin-top: auto; }
.app .note + .get { padding-top: 0.75rem; }
.tags { display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0; padding: 0; list-style: none; }
.tags li { font-size: 0.75rem; padding: 0 0.45rem; border-radius: 0.3rem; background: var(--tag); color: var(--muted); }
.hue-0 { background: #1a73e8; } .hue-1 { background: #188038; } .hue-2 { background: #b3261e; }
.hue-3 { background: #8430ce; } .hue-4 { background: #b05a00; } .hue-5 { background: #00796b; }
.qr { width: 100%; max-width: 15rem; aspect-ratio: 1; margin: 0.5rem auto; background: #fff; border-radius: 0.75rem; padding: 0.25rem; }
.qr svg { width: 100%; height: 100%; display: block; }
code { overflow-wrap: anywhere; font-size: 0.85rem; background: var(--tag); padding: 0.1rem 0.3rem; border-radius: 0.3rem; }
.other code { display: block; margin-top: 0.35rem; padding: 0.5rem 0.6rem; }
@media (min-width: 40rem) {
  main { padding: 2rem 1.5rem; }
  .card { padding: 1.75rem; }
  h1 { font-size: 2rem; }
  .intro { flex-direction: row; gap: 1.25rem; }
  .intro svg { width: 3.25rem; height: 3.25rem; margin-top: 0.35rem; }
  a.button { display: inline-block; }
}
@media (min-width: 60rem) {
  .layout { grid-template-columns: minmax(0, 1fr) 19rem; grid-template-areas: "intro intro" "start other" "apps other"; ` +
  `align-items: start; }
  .intro { grid-area: intro; } .start { grid-area: start; } .apps-card { grid-area: apps; }
  .other { grid-area: other; position: sticky; top: 1.5rem; }
}
`;

/** The pages' Content-Security-Policy: nothing but this exact inline stylesheet may load or run. */
export const LANDING_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
