using System.CommandLine;
using System.Globalization;
using System.Security;
using System.Text;
using Timely.Bench.Commands;

namespace Timely.Bench.Tracing;

/// <summary>
/// <c>timely trace-report FILE [--svg OUT] [--ms N]</c>: per-operator totals of a <c>--trace</c> file
/// (schedules, time scheduled, records received) and per-track busy and parked time; with <c>--svg</c>
/// a timeline of the first N ms (one lane per worker, schedules coloured by operator, parks grey,
/// messages as lines from sender to receiver, progress as ticks).
/// </summary>
public static class TraceReport
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A trace written by `timely <workload> --trace FILE`." };
        var svg = new Option<string?>("--svg") { Description = "Also write an SVG timeline to OUT.", HelpName = "OUT" };
        var ms = new Option<double?>("--ms") { Description = "Milliseconds of the timeline, from the trace's start (default: all of it).", HelpName = "N" };
        var from = new Option<double>("--from") { Description = "Start the timeline this many ms after the trace's first slice (default 0: skip the start-up with, say, --from 500).", HelpName = "MS" };
        var command = new Command("trace-report", "Summarizes a --trace file: per operator, schedules, time scheduled and records received; per worker, busy and parked time; checks the file's rules (balanced slices, times non-decreasing per track, flows with both ends). --svg draws the first --ms N ms as a timeline.");
        command.Arguments.Add(file);
        command.Options.Add(svg);
        command.Options.Add(ms);
        command.Options.Add(from);
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            if (result.GetValue(ms) is { } window && !(window > 0))
            {
                throw new Timely.Communication.ConfigException($"--ms {window}: expected a positive number of milliseconds");
            }

            if (!(result.GetValue(from) >= 0))
            {
                throw new Timely.Communication.ConfigException($"--from {result.GetValue(from)}: expected 0 or more milliseconds");
            }

            if (!File.Exists(path))
            {
                throw new Timely.Communication.ConfigException($"{path}: no such file");
            }

            return Cli.Run(() =>
            {
                var trace = TraceFile.Read(path);
                Console.Out.Write(Text(trace));
                if (result.GetValue(svg) is { } output)
                {
                    File.WriteAllText(output, Svg(trace, result.GetValue(ms), result.GetValue(from)));
                    Console.Out.WriteLine($"svg: {output}");
                }

                return trace.Problems.Count == 0 ? 0 : 1;
            });
        });
        return command;
    }

    /// <summary>The text report.</summary>
    public static string Text(TraceFile trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var schedules = trace.Slices.Where(s => s.Category == "schedule").ToList();
        text.AppendLine(c, $"{"operator",-24} {"schedules",10} {"total ms",10} {"mean µs",9} {"records",10}");
        foreach (var group in schedules.GroupBy(s => s.Name).OrderByDescending(g => g.Sum(s => s.End - s.Start)))
        {
            double total = group.Sum(s => s.End - s.Start);
            text.AppendLine(c, $"{group.Key,-24} {group.Count(),10} {total / 1000,10:0.000} {total / group.Count(),9:0.0} {group.Sum(s => s.Records),10}");
        }

        text.AppendLine();
        text.AppendLine(c, $"{"track",-24} {"span ms",10} {"busy ms",10} {"parked ms",10} {"messages",9} {"progress",9}");
        foreach (var (track, name) in trace.Tracks)
        {
            var mine = trace.Slices.Where(s => (s.Pid, s.Tid) == track).ToList();
            double span = mine.Count == 0 ? 0 : mine.Max(s => s.End) - mine.Min(s => s.Start);
            double busy = mine.Where(s => s.Category == "schedule").Sum(s => s.End - s.Start);
            double parked = mine.Where(s => s.Category == "park").Sum(s => s.End - s.Start);
            int messages = trace.Flows.Count(f => f.From == track);
            int progress = trace.Instants.Count(i => (i.Pid, i.Tid) == track);
            text.AppendLine(c, $"{name,-24} {span / 1000,10:0.000} {busy / 1000,10:0.000} {parked / 1000,10:0.000} {messages,9} {progress,9}");
        }

        text.AppendLine();
        if (trace.Problems.Count == 0)
        {
            text.AppendLine(c, $"rules: ok ({trace.Slices.Count} slices balanced, times non-decreasing per track, {trace.Flows.Count} flows with both ends)");
        }
        else
        {
            text.AppendLine(c, $"rules: {trace.Problems.Count} problems, first: {trace.Problems[0]}");
        }

        return text.ToString();
    }

    /// <summary>An SVG timeline of <paramref name="windowMs"/> ms (null: the rest) from <paramref name="fromMs"/> ms after the first slice.</summary>
    public static string Svg(TraceFile trace, double? windowMs, double fromMs = 0)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var c = CultureInfo.InvariantCulture;
        var tracks = trace.Tracks.Keys.ToList();
        double origin = (trace.Slices.Count == 0 ? 0 : trace.Slices.Min(s => s.Start)) + (fromMs * 1000);
        double end = trace.Slices.Count == 0 ? 1 : trace.Slices.Max(s => s.End);
        double window = windowMs is { } w ? w * 1000 : Math.Max(1, end - origin);
        const int Left = 110, Width = 1100, Lane = 46, Top = 40;
        var operators = trace.Slices.Where(s => s.Category == "schedule").Select(s => s.Name).Distinct().ToList();
        int height = Top + (tracks.Count * Lane) + 40 + (((operators.Count + 4) / 5) * 18) + 20;
        double X(double ts) => Left + ((ts - origin) / window * Width);
        int Y(int pid, int tid) => Top + (tracks.IndexOf((pid, tid)) * Lane);
        bool Visible(double start, double stop) => stop >= origin && start <= origin + window;

        var svg = new StringBuilder();
        svg.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Left + Width + 20}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(c, $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(c, $"<text x=\"{Left}\" y=\"18\" font-size=\"14\">timely trace: {window / 1000:0.###} ms from {fromMs:0.###} ms; schedules by operator, parks grey, messages as lines, progress as ticks</text>");
        double step = NiceStep(window / 1000 / 8);
        for (double t = 0; t <= window / 1000 + 1e-9; t += step)
        {
            double x = X(origin + (t * 1000));
            svg.AppendLine(c, $"<line x1=\"{x:0.##}\" y1=\"{Top - 6}\" x2=\"{x:0.##}\" y2=\"{Top + (tracks.Count * Lane)}\" stroke=\"#ddd\"/>");
            svg.AppendLine(c, $"<text x=\"{x:0.##}\" y=\"{Top - 9}\" text-anchor=\"middle\" fill=\"#555\">{fromMs + t:0.###} ms</text>");
        }

        foreach (var (track, name) in trace.Tracks)
        {
            svg.AppendLine(c, $"<text x=\"8\" y=\"{Y(track.Pid, track.Tid) + 24}\">{SecurityElement.Escape(name)}</text>");
        }

        foreach (var s in trace.Slices.Where(s => Visible(s.Start, s.End)))
        {
            double x0 = Math.Max(X(s.Start), Left), x1 = Math.Min(X(s.End), Left + Width);
            string fill = s.Category == "park" ? "#cccccc" : Palette[operators.IndexOf(s.Name) % Palette.Length];
            int y = Y(s.Pid, s.Tid) + (s.Category == "park" ? 14 : 6);
            int h = s.Category == "park" ? 12 : 26;
            svg.AppendLine(c, $"<rect x=\"{x0:0.###}\" y=\"{y}\" width=\"{Math.Max(0.5, x1 - x0):0.###}\" height=\"{h}\" fill=\"{fill}\"><title>{SecurityElement.Escape(s.Name)}: {(s.End - s.Start):0.#} µs, {s.Records} records</title></rect>");
        }

        foreach (var f in trace.Flows.Where(f => Visible(f.Sent, f.Received)))
        {
            svg.AppendLine(c, $"<line x1=\"{X(f.Sent):0.##}\" y1=\"{Y(f.From.Pid, f.From.Tid) + 32}\" x2=\"{X(f.Received):0.##}\" y2=\"{Y(f.To.Pid, f.To.Tid) + 6}\" stroke=\"#333\" stroke-opacity=\"0.35\" stroke-width=\"0.8\"/>");
        }

        foreach (var i in trace.Instants.Where(i => Visible(i.Time, i.Time)))
        {
            double x = X(i.Time);
            int y = Y(i.Pid, i.Tid) + 34;
            svg.AppendLine(c, $"<line x1=\"{x:0.##}\" y1=\"{y}\" x2=\"{x:0.##}\" y2=\"{y + 6}\" stroke=\"{(i.Name.Contains("sent", StringComparison.Ordinal) ? "#2a9d2a" : "#a02a2a")}\"/>");
        }

        int legendTop = Top + (tracks.Count * Lane) + 20;
        for (int k = 0; k < operators.Count; k++)
        {
            int x = Left + (k % 5 * 220), y = legendTop + (k / 5 * 18);
            svg.AppendLine(c, $"<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{Palette[k % Palette.Length]}\"/><text x=\"{x + 16}\" y=\"{y + 11}\">{SecurityElement.Escape(operators[k])}</text>");
        }

        int last = legendTop + (((operators.Count + 4) / 5) * 18);
        svg.AppendLine(c, $"<rect x=\"{Left}\" y=\"{last}\" width=\"12\" height=\"12\" fill=\"#cccccc\"/><text x=\"{Left + 16}\" y=\"{last + 11}\">park</text>");
        svg.AppendLine(c, $"<line x1=\"{Left + 80}\" y1=\"{last + 6}\" x2=\"{Left + 100}\" y2=\"{last + 6}\" stroke=\"#333\"/><text x=\"{Left + 104}\" y=\"{last + 11}\">message</text>");
        svg.AppendLine(c, $"<line x1=\"{Left + 180}\" y1=\"{last}\" x2=\"{Left + 180}\" y2=\"{last + 12}\" stroke=\"#2a9d2a\"/><text x=\"{Left + 186}\" y=\"{last + 11}\">progress sent</text>");
        svg.AppendLine(c, $"<line x1=\"{Left + 300}\" y1=\"{last}\" x2=\"{Left + 300}\" y2=\"{last + 12}\" stroke=\"#a02a2a\"/><text x=\"{Left + 306}\" y=\"{last + 11}\">progress received</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-6))));
        double[] steps = [1, 2, 5, 10];
        return steps.Select(s => s * magnitude).First(s => s >= raw);
    }
}
