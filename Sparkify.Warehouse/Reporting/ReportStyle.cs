namespace Sparkify.Warehouse.Reporting;

/// <summary>The report's one stylesheet, inlined into the page.</summary>
internal static class ReportStyle
{
    // System fonts only: the page must not fetch anything. Colours are variables so the dark scheme
    // and print each swap one block; print comes last so paper is always light.
    public const string Css = """
        :root {
          color-scheme: light dark;
          --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --card: #f6f8fa; --line: #d1d9e0;
          --s0: #2f6fdb; --s1: #c2410c; --s2: #0f8a5f; --ok: #1a7f37; --bad: #cf222e;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #161b22; --line: #3d444d;
            --s0: #6ea8fe; --s1: #fb923c; --s2: #34d399; --ok: #3fb950; --bad: #f85149;
          }
        }
        * { box-sizing: border-box; }
        body {
          margin: 0; background: var(--bg); color: var(--fg);
          font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        }
        header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 1rem; }
        header { padding-top: 1.25rem; }
        h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
        h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
        p { margin: .25rem 0; }
        .muted, .scope, .generated, caption, footer { color: var(--muted); }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 1rem 0; min-width: 0; container-type: inline-size; }
        .grid { display: grid; gap: 0 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); }
        .grid > section { margin: 1rem 0 0; }
        .tiles { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); margin: 0; }
        .tile { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; }
        .tile dt { color: var(--muted); font-size: .85rem; }
        .tile dd { margin: 0; font-size: 1.45rem; font-weight: 600; font-variant-numeric: tabular-nums; }
        .tile dd .value.text { display: block; font-size: 1.05rem; line-height: 1.35; padding: .35rem 0 .2rem; }
        .tile .note { display: block; font-size: .8rem; font-weight: 400; color: var(--muted); }
        .figure { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); align-items: start; }
        @container (min-width: 56rem) { .figure { grid-template-columns: minmax(0, 3fr) minmax(14rem, 1fr); } }
        svg.chart { width: 100%; height: auto; display: block; }
        svg.chart .grid { stroke: var(--line); stroke-width: 1; }
        svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
        svg.chart text { fill: var(--muted); font-size: 11px; }
        svg.chart .axis-title { font-size: 12px; fill: var(--fg); }
        svg.chart .line { fill: none; stroke: var(--s0); stroke-width: 2; }
        .s0 { fill: var(--s0); } .s1 { fill: var(--s1); } .s2 { fill: var(--s2); }
        .mark:hover { opacity: .7; stroke: var(--fg); stroke-width: 1; }
        .legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0 0 .25rem; padding: 0; list-style: none; font-size: .9rem; }
        .legend svg { width: .8rem; height: .8rem; vertical-align: -.05rem; margin-right: .3rem; }
        .table-wrap { max-height: 22rem; overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
        .table-wrap.full { max-height: none; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; font-variant-numeric: tabular-nums; }
        caption { text-align: left; padding: .4rem .6rem; font-size: .85rem; }
        th, td { padding: .3rem .6rem; border-top: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { position: sticky; top: 0; background: var(--bg); border-top: 0; }
        td { overflow-wrap: anywhere; }
        .num { text-align: right; white-space: nowrap; }
        svg.ibar { display: inline-block; width: 5rem; height: .7rem; margin-right: .5rem; vertical-align: -.05rem; }
        svg.ibar rect { fill: var(--s0); }
        .status-succeeded { color: var(--ok); font-weight: 600; }
        .status-failed { color: var(--bad); font-weight: 600; }
        .status-running { color: var(--muted); font-weight: 600; }
        .error { color: var(--muted); font-size: .8rem; }
        .empty p { font-size: 1.05rem; }
        footer { padding-bottom: 1.5rem; font-size: .85rem; }
        @media (max-width: 30rem) {
          body { font-size: 14px; }
          svg.ibar { width: 2.5rem; }
          th, td { padding: .25rem .4rem; }
        }
        @media print {
          :root {
            --bg: #ffffff; --fg: #000000; --muted: #444444; --card: #ffffff; --line: #bbbbbb;
            --s0: #1f5fbf; --s1: #b3470f; --s2: #0f7a55; --ok: #1a7f37; --bad: #b3261e;
          }
          body { font-size: 11pt; }
          header, main, footer { max-width: none; padding: 0; }
          section { break-inside: avoid; border-color: #bbbbbb; }
          .table-wrap { max-height: none; overflow: visible; }
          thead th { position: static; }
          .figure { grid-template-columns: minmax(0, 1fr) !important; }
        }
        """;
}
