using System.Globalization;
using System.Net;
using System.Text;
using HdrHistogram;

namespace Timely.Bench.Measurement;

/// <summary>
/// The round-trip latency distributions of one run (a path and its floor, measured in the same
/// run): a percentile table, JSON fields, HdrHistogram's percentile-distribution files and a
/// percentile plot (SVG, latency by percentile, log x of 1/(1-p) as HdrHistogram plots do, log y).
/// </summary>
public sealed class LatencyReport
{
    /// <summary>The reported levels: JSON field infix and percentile.</summary>
    public static readonly (string Name, double Percentile)[] Levels = [("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9), ("p99_99", 99.99)];

    private static readonly string[] Colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2"];

    private readonly List<LatencyHistogram> _paths = [];

    public LatencyReport(string title)
    {
        Title = title;
    }

    public string Title { get; }

    public IReadOnlyList<LatencyHistogram> Paths => _paths;

    /// <summary>Allocates the histogram of one path (call it before the timed loop), shown against <paramref name="floor"/> (default: the first path added).</summary>
    public LatencyHistogram Add(string key, string title, LatencyHistogram? floor = null) =>
        Added(new LatencyHistogram(key, title, floor ?? (_paths.Count > 0 ? _paths[0] : null)));

    /// <summary>Allocates the histogram of a floor: the paths added with it as their floor are shown against it.</summary>
    public LatencyHistogram AddFloor(string key, string title) => Added(new LatencyHistogram(key, title));

    private LatencyHistogram Added(LatencyHistogram path)
    {
        _paths.Add(path);
        return path;
    }

    /// <summary>A markdown table: count, p50 .. p99.99 and max in ns, and p50 against the path's floor's p50.</summary>
    public void WriteTable(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{Title}, every round trip recorded, ns:");
        output.WriteLine("| path | round trips | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 / floor p50 |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in _paths)
        {
            if (p.Count == 0 || p.Floor.Count == 0)
            {
                // Nothing recorded (a path or its floor that did not run): no invented percentiles.
                output.WriteLine($"| {p.Title} | {p.Count} | - | - | - | - | - | - | - |");
                continue;
            }

            double floor = p.Floor.ValueAtPercentile(50);
            var row = new StringBuilder();
            row.Append(inv, $"| {p.Title} | {p.Count} |");
            foreach (var (_, percentile) in Levels)
            {
                row.Append(inv, $" {p.ValueAtPercentile(percentile)} |");
            }

            row.Append(inv, $" {p.Max} | {(floor > 0 ? (p.ValueAtPercentile(50) / floor).ToString("0.00", inv) + "x" : "-")} |");
            output.WriteLine(row.ToString());
        }
    }

    /// <summary>Adds <c>KEY_count</c>, <c>KEY_p50_ns</c> .. <c>KEY_p99_99_ns</c> and <c>KEY_max_ns</c> for each path.</summary>
    public void AddTo(IDictionary<string, object> json)
    {
        ArgumentNullException.ThrowIfNull(json);
        foreach (var p in _paths)
        {
            json[$"{p.Key}_count"] = p.Count;
            if (p.Count == 0)
            {
                continue;   // no percentiles of nothing
            }

            foreach (var (name, percentile) in Levels)
            {
                json[$"{p.Key}_{name}_ns"] = p.ValueAtPercentile(percentile);
            }

            json[$"{p.Key}_max_ns"] = p.Max;
        }
    }

    /// <summary>Where <c>--hist-out FILE</c> puts one path: <c>rt.hgrm</c> -> <c>rt.floor.hgrm</c>.</summary>
    public static string DistributionPath(string file, string key)
    {
        ArgumentNullException.ThrowIfNull(file);
        string extension = Path.GetExtension(file);
        return Path.ChangeExtension(file, null) + "." + key + (extension.Length > 0 ? extension : ".hgrm");
    }

    /// <summary>Writes the files asked for: one HdrHistogram percentile distribution per path (values in µs), and the SVG plot.</summary>
    public void WriteFiles(string? histOut, string? plot)
    {
        if (histOut is not null)
        {
            foreach (var p in _paths)
            {
                using var writer = new StreamWriter(DistributionPath(histOut, p.Key));
                p.Histogram.OutputPercentileDistribution(writer, outputValueUnitScalingRatio: 1000.0);
            }
        }

        if (plot is not null)
        {
            File.WriteAllText(plot, RenderSvg());
        }
    }

    /// <summary>
    /// The plot: x = log10(1/(1-p)) with ticks at 0%, 90%, 99%, ..., y = log10(ns), one line per
    /// path through HdrHistogram's percentile iteration (5 ticks per half distance) ending at the max.
    /// </summary>
    public string RenderSvg()
    {
        const int Left = 70;
        const int Top = 36;
        const int Width = 560;
        const int Height = 320;
        var inv = CultureInfo.InvariantCulture;
        var lines = _paths.Where(p => p.Count > 0).Select(p => (Path: p, Points: Points(p))).ToArray();
        double xMax = Math.Max(4, lines.Select(l => Math.Ceiling(l.Points[^1].X)).DefaultIfEmpty(4).Max());
        double yLo = Math.Floor(Math.Log10(Math.Max(1, lines.Select(l => l.Points[0].Ns).DefaultIfEmpty(1).Min())));
        double yHi = Math.Max(yLo + 1, Math.Ceiling(Math.Log10(Math.Max(1, lines.Select(l => l.Path.Max).DefaultIfEmpty(10).Max()))));
        double X(double x) => Left + (Width * x / xMax);
        double Y(double ns) => Top + Height - (Height * (Math.Log10(Math.Max(1, ns)) - yLo) / (yHi - yLo));
        var svg = new StringBuilder();
        svg.AppendLine(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Left + Width + 30}\" height=\"{Top + Height + 56 + (lines.Length * 18)}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(inv, $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(inv, $"<text x=\"10\" y=\"18\" font-size=\"13\">{WebUtility.HtmlEncode(Title)}: round-trip latency by percentile (log scales)</text>");
        for (int d = 0; d <= xMax; d++)
        {
            string label = d == 0 ? "0%" : (100 - Math.Pow(10, 2 - d)).ToString("0.#######", inv) + "%";
            svg.AppendLine(inv, $"<line x1=\"{X(d):0.#}\" y1=\"{Top}\" x2=\"{X(d):0.#}\" y2=\"{Top + Height}\" stroke=\"#ddd\"/><text x=\"{X(d):0.#}\" y=\"{Top + Height + 16}\" text-anchor=\"middle\">{label}</text>");
        }

        for (double e = yLo; e <= yHi; e++)
        {
            double ns = Math.Pow(10, e);
            svg.AppendLine(inv, $"<line x1=\"{Left}\" y1=\"{Y(ns):0.#}\" x2=\"{Left + Width}\" y2=\"{Y(ns):0.#}\" stroke=\"#ddd\"/><text x=\"{Left - 6}\" y=\"{Y(ns) + 4:0.#}\" text-anchor=\"end\">{FormatNs(ns)}</text>");
        }

        svg.AppendLine(inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width}\" height=\"{Height}\" fill=\"none\" stroke=\"#888\"/>");
        svg.AppendLine(inv, $"<text x=\"{Left + (Width / 2)}\" y=\"{Top + Height + 36}\" text-anchor=\"middle\">percentile</text>");
        for (int i = 0; i < lines.Length; i++)
        {
            var (path, points) = lines[i];
            string color = Colors[i % Colors.Length];
            string coordinates = string.Join(" ", points.Select(p => string.Create(inv, $"{X(p.X):0.##},{Y(p.Ns):0.##}")));
            svg.AppendLine(inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{coordinates}\"/>");
            int y = Top + Height + 46 + (i * 18);   // the legend, under the axis
            svg.AppendLine(inv, $"<rect x=\"{Left}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{Left + 18}\" y=\"{y + 10}\">{WebUtility.HtmlEncode(path.Title)}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>(log10(1/(1-p)), ns) along HdrHistogram's percentile iteration; the 100% step becomes the max at 1/(1-p) = count.</summary>
    private static (double X, double Ns)[] Points(LatencyHistogram path)
    {
        var points = new List<(double X, double Ns)>();
        foreach (var v in path.Histogram.Percentiles(5))
        {
            double fraction = v.PercentileLevelIteratedTo / 100;
            if (fraction < 1)
            {
                points.Add((Math.Log10(1 / (1 - fraction)), v.ValueIteratedTo));
            }
        }

        double last = points.Count == 0 ? 0 : points[^1].X;
        points.Add((Math.Max(last, Math.Log10(path.Count)), path.Max));
        return [.. points];
    }

    private static string FormatNs(double ns) => ns >= 1e9 ? $"{ns / 1e9:0.###} s" : ns >= 1e6 ? $"{ns / 1e6:0.###} ms" : ns >= 1e3 ? $"{ns / 1e3:0.###} µs" : $"{ns:0.###} ns";
}
