using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>--html OUT</c>: one self-contained page (no network: its style, data and drawing code are
/// inline) with the host block, the floors, the table with the verdicts in colour, and a chart per
/// row that shows every run of each build (each sample a dot, the min..max range a line, the
/// median a tick). The charts are drawn by the page's own script as inline SVG; when it is done it
/// sets <c>data-charts</c> (charts drawn) and <c>data-samples</c> (dots drawn) on the body, which a
/// headless browser's DOM shows.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The page of <paramref name="report"/>, its <paramref name="table"/> (<see cref="TextReport.Table"/>) and comparisons.</summary>
    public static string Render(SuiteReport report, IReadOnlyList<string[]> table, IReadOnlyList<RowComparison>? baseline, IReadOnlyList<RowComparison>? vs)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(table);
        var page = new StringBuilder();
        page.AppendLine("<!DOCTYPE html>");
        page.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>timely suite</title>");
        page.AppendLine("<style>");
        page.AppendLine("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}pre{background:#f4f4f4;padding:.6em}");
        page.AppendLine("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;white-space:nowrap}");
        page.AppendLine(".regression{background:#f8c9c4;font-weight:bold}.improvement{background:#c9efc4}.noise{background:#eee}.failed,.hung{background:#fbe3b4}.skipped{color:#888}");
        page.AppendLine(".chart{margin:.4em 0 1em}.chart h3{font-size:14px;margin:.2em 0}.legend span{margin-right:1em}");
        page.AppendLine("</style></head>");
        page.AppendLine("<body data-charts=\"pending\">");
        page.AppendLine(Inv, $"<h1>timely suite</h1>");
        page.AppendLine("<h2>Host</h2><pre>");
        foreach (string line in TextReport.HostLines(report))
        {
            page.AppendLine(E(line));
        }

        page.AppendLine(E(string.Create(Inv, $"floors   cache line {TextReport.F(report.Calibration.CacheLineRoundTripNs)} ns, socket {TextReport.F(report.Calibration.SocketRoundTripNs)} ns per round trip")));
        if (report.Calibration.Overloaded is { } overloaded)
        {
            page.AppendLine(E($"warning  {overloaded}: this run's figures are unreliable."));
        }

        page.AppendLine("</pre>");
        page.AppendLine("<h2>Results</h2>");
        page.AppendLine("<p>The figure is each workload's own timed part (the slowest worker). A regression is a median ratio above 1 + threshold whose noise band (bootstrap 95%) lies wholly above 1.</p>");
        page.AppendLine("<table>");
        for (int i = 0; i < table.Count; i++)
        {
            string cell = i == 0 ? "th" : "td";
            page.Append("<tr>");
            foreach (string value in table[i])
            {
                string css = i == 0 ? "" : Css(value);
                page.Append(Inv, $"<{cell}{(css.Length > 0 ? $" class=\"{css}\"" : "")}>{E(value)}</{cell}>");
            }

            page.AppendLine("</tr>");
        }

        page.AppendLine("</table>");
        var notes = TextReport.Notes(report).ToArray();
        if (notes.Length > 0)
        {
            page.AppendLine("<ul>");
            foreach (string note in notes)
            {
                page.AppendLine(Inv, $"<li>{E(note)}</li>");
            }

            page.AppendLine("</ul>");
        }

        page.AppendLine("<h2>Every run</h2>");
        page.AppendLine("<p class=\"legend\"><span style=\"color:#1f6fb2\">&#9679; this build</span><span style=\"color:#c05a00\">&#9679; vs build</span>each dot one run, the line min..max, the tick the median (ms).</p>");
        page.AppendLine("<div id=\"charts\"></div>");
        page.Append("<script type=\"application/json\" id=\"suite-data\">").Append(Data(report, baseline, vs)).AppendLine("</script>");
        page.AppendLine("<script>");
        page.AppendLine(Script);
        page.AppendLine("</script>");
        page.AppendLine("</body></html>");
        return page.ToString();
    }

    /// <summary>The chart data: per row id, its verdict and each build's status and samples (ms). JSON escapes &lt; and &gt;, so it cannot end the script element.</summary>
    private static string Data(SuiteReport report, IReadOnlyList<RowComparison>? baseline, IReadOnlyList<RowComparison>? vs)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var group in report.Rows.GroupBy(r => r.Id))
            {
                var first = group.First();
                var verdict = vs?.FirstOrDefault(c => c.Id == group.Key) ?? baseline?.FirstOrDefault(c => c.Id == group.Key);
                json.WriteStartObject();
                json.WriteString("id", group.Key);
                json.WriteString("title", $"{first.Label} {first.Configuration}");
                json.WriteString("verdict", verdict is null ? "" : Css(Verdict(verdict.Verdict)));
                json.WriteString("ratio", verdict is null || double.IsNaN(verdict.Ratio) ? "" : string.Create(Inv, $"{verdict.Ratio:0.###}x (band {verdict.BandLow:0.###}..{verdict.BandHigh:0.###}): {Verdict(verdict.Verdict)}"));
                json.WriteStartArray("builds");
                foreach (var r in group)
                {
                    json.WriteStartObject();
                    json.WriteString("build", r.Build);
                    json.WriteString("status", r.Status.ToString().ToLowerInvariant());
                    json.WriteString("message", r.Message ?? "");
                    json.WriteStartArray("samples");
                    foreach (double ms in r.Milliseconds)
                    {
                        json.WriteNumberValue(ms);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Verdict(Verdict verdict) => verdict switch
    {
        Suite.Verdict.Regression => "REGRESSION",
        Suite.Verdict.Improvement => "improvement",
        Suite.Verdict.WithinNoise => "within noise",
        _ => "not compared",
    };

    /// <summary>The colour class of a table cell or verdict: regression, improvement, within noise, failed, hung, skipped; else none.</summary>
    internal static string Css(string value) => value switch
    {
        "REGRESSION" => "regression",
        "improvement" => "improvement",
        "within noise" => "noise",
        "failed" => "failed",
        "hung" => "hung",
        "skipped" => "skipped",
        _ => "",
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Draws one SVG per row from the JSON above, then marks the body with what it drew.</summary>
    private const string Script = """
        (function () {
          var ns = 'http://www.w3.org/2000/svg';
          var rows = JSON.parse(document.getElementById('suite-data').textContent);
          var colours = { 'this': '#1f6fb2', 'vs': '#c05a00' };
          var host = document.getElementById('charts');
          var charts = 0, dots = 0;
          function el(name, attrs, parent) {
            var e = document.createElementNS(ns, name);
            for (var k in attrs) { e.setAttribute(k, attrs[k]); }
            parent.appendChild(e);
            return e;
          }
          function median(xs) {
            var s = xs.slice().sort(function (a, b) { return a - b; });
            var m = s.length >> 1;
            return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
          }
          rows.forEach(function (row) {
            var box = document.createElement('div');
            box.className = 'chart';
            var h = document.createElement('h3');
            h.textContent = row.title + (row.ratio ? '  ' + row.ratio : '');
            if (row.verdict) { h.className = row.verdict; }
            box.appendChild(h);
            host.appendChild(box);
            var all = [];
            row.builds.forEach(function (b) { all = all.concat(b.samples); });
            var lo = all.length ? Math.min.apply(null, all) : 0, hi = all.length ? Math.max.apply(null, all) : 1;
            var pad = (hi - lo) * 0.05 || Math.max(hi * 0.05, 0.001);
            lo -= pad; hi += pad;
            var width = 640, left = 60, right = 70, lane = 22;
            var svg = el('svg', { width: width, height: lane * row.builds.length + 22, 'data-row': row.id }, box);
            function x(v) { return left + (v - lo) / (hi - lo) * (width - left - right); }
            row.builds.forEach(function (b, i) {
              var y = 12 + i * lane, colour = colours[b.build] || '#555';
              el('text', { x: 2, y: y + 4, 'font-size': 11 }, svg).textContent = b.build;
              if (!b.samples.length) {
                el('text', { x: left, y: y + 4, 'font-size': 11, fill: '#a00' }, svg).textContent = b.status + (b.message ? ': ' + b.message : '');
                return;
              }
              var mn = Math.min.apply(null, b.samples), mx = Math.max.apply(null, b.samples), md = median(b.samples);
              el('line', { x1: x(mn), x2: x(mx), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }, svg);
              el('line', { x1: x(md), x2: x(md), y1: y - 7, y2: y + 7, stroke: colour, 'stroke-width': 3 }, svg);
              b.samples.forEach(function (v) {
                el('circle', { cx: x(v), cy: y, r: 3.5, fill: colour, 'fill-opacity': 0.6, 'class': 'sample' }, svg);
                dots++;
              });
              el('text', { x: width - right + 6, y: y + 4, 'font-size': 11 }, svg).textContent = md.toPrecision(3) + ' ms';
            });
            if (all.length) {
              var axis = lane * row.builds.length + 16;
              el('text', { x: left, y: axis, 'font-size': 10, fill: '#666' }, svg).textContent = lo.toPrecision(3) + ' ms';
              el('text', { x: width - right, y: axis, 'font-size': 10, fill: '#666', 'text-anchor': 'end' }, svg).textContent = hi.toPrecision(3) + ' ms';
            }
            charts++;
          });
          document.body.setAttribute('data-samples', String(dots));
          document.body.setAttribute('data-charts', String(charts));
        })();
        """;
}
