using System.Globalization;
using System.Net;
using System.Text;

namespace Timely.Bench.Suite;

/// <summary>
/// A horizontal bar chart of median ns/record, one group per workload and one bar per
/// configuration (transport). Bars use a log scale: the rows span from tens of ns (exchange
/// throughput) to tens of µs (tcp latency), which a linear axis would flatten.
/// </summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2"];

    public static string Render(SuiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // hello's figure is process start-up in ms, not a per-record cost: it stays in the table only.
        var rows = report.Rows.Where(r => r.Build == "this" && r.Label != "hello").ToArray();
        var configs = rows.Select(r => r.Configuration).Distinct().ToArray();
        var groups = rows.GroupBy(r => r.Label).ToArray();
        var values = rows.Where(r => r.Status == RowStatus.Ok && r.NanosecondsPerRecord > 0).Select(r => r.NanosecondsPerRecord).ToArray();
        double lo = values.Length == 0 ? 1 : Math.Pow(10, Math.Floor(Math.Log10(values.Min())));
        double hi = values.Length == 0 ? 10 : Math.Pow(10, Math.Ceiling(Math.Log10(values.Max())));
        if (hi <= lo)
        {
            hi = lo * 10;
        }

        const int Left = 180;
        const int Width = 520;
        const int Bar = 14;
        int height = 40 + (groups.Length * ((configs.Length * (Bar + 2)) + 14)) + 30 + (configs.Length * 16);
        var inv = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.AppendLine(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Left + Width + 120}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(inv, $"<text x=\"10\" y=\"18\" font-size=\"13\">median ns per record (log scale), {WebUtility.HtmlEncode(report.Host.Cpu)}, commit {WebUtility.HtmlEncode(report.Host.Commit)}</text>");
        double X(double v) => Left + (Width * (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)));
        for (double tick = lo; tick <= hi * 1.0001; tick *= 10)
        {
            svg.AppendLine(inv, $"<line x1=\"{X(tick):0.#}\" y1=\"28\" x2=\"{X(tick):0.#}\" y2=\"{height - 30 - (configs.Length * 16)}\" stroke=\"#ddd\"/><text x=\"{X(tick):0.#}\" y=\"{height - 18 - (configs.Length * 16)}\" text-anchor=\"middle\">{tick.ToString("0.###", inv)}</text>");
        }

        int y = 36;
        foreach (var g in groups)
        {
            svg.AppendLine(inv, $"<text x=\"10\" y=\"{y + 10}\" font-weight=\"bold\">{WebUtility.HtmlEncode(g.Key)}</text>");
            foreach (var (config, c) in configs.Select((c, i) => (c, i)))
            {
                var row = g.FirstOrDefault(r => r.Configuration == config);
                string color = Colors[c % Colors.Length];
                if (row is { Status: RowStatus.Ok } && row.NanosecondsPerRecord > 0)
                {
                    double v = row.NanosecondsPerRecord;
                    svg.AppendLine(inv, $"<rect x=\"{Left}\" y=\"{y}\" width=\"{Math.Max(1, X(v) - Left):0.#}\" height=\"{Bar}\" fill=\"{color}\"/><text x=\"{X(v) + 4:0.#}\" y=\"{y + 11}\">{TextReport.F(v)}</text>");
                }
                else
                {
                    svg.AppendLine(inv, $"<text x=\"{Left + 4}\" y=\"{y + 11}\" fill=\"#888\">{WebUtility.HtmlEncode(config)}: {(row?.Status.ToString().ToLowerInvariant() ?? "not run")}</text>");
                }

                y += Bar + 2;
            }

            y += 14;
        }

        y += 20;
        foreach (var (config, c) in configs.Select((c, i) => (c, i)))
        {
            svg.AppendLine(inv, $"<rect x=\"{Left}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{Colors[c % Colors.Length]}\"/><text x=\"{Left + 18}\" y=\"{y + 10}\">{WebUtility.HtmlEncode(config)}</text>");
            y += 16;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
