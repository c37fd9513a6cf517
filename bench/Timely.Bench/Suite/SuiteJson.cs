using System.Text.Json;
using System.Text.Json.Nodes;
using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>suite --json</c>: one JSON object per line on stdout, one per row result (row x build) and a
/// summary last. Fields in snake_case; a figure that was not measured is null, never 0 or NaN.
/// </summary>
public static class SuiteJson
{
    /// <summary>The line of one row result, with its comparisons when there are any.</summary>
    public static string Row(RowResult row, CalibrationResult floors, RowComparison? baseline, RowComparison? vs)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(floors);
        var ms = row.Milliseconds;
        var measured = row.Samples.Where(s => s.ProcessAllocatedBytes is not null && s.ProcessGen0 is not null && s.CpuMilliseconds is not null).ToArray();
        double ns = row.NanosecondsPerRecord;
        bool ratios = floors.Overloaded is null;
        var o = new JsonObject
        {
            ["type"] = "row",
            ["id"] = row.Id,
            ["label"] = row.Label,
            ["config"] = row.Configuration,
            ["build"] = row.Build,
            ["status"] = row.Status.ToString().ToLowerInvariant(),
            ["message"] = row.Message,
            ["runs"] = ms.Length,
            ["median_ms"] = Number(row.Median),
            ["min_ms"] = Number(Stats.Min(ms)),
            ["max_ms"] = Number(Stats.Max(ms)),
            ["samples_ms"] = new JsonArray(ms.Select(m => (JsonNode?)Number(m)).ToArray()),
            ["ns_per_record"] = Number(ns),
            ["x_cache_line"] = ratios ? Number(ns / floors.CacheLineRoundTripNs) : null,
            ["x_socket"] = ratios ? Number(ns / floors.SocketRoundTripNs) : null,
            ["bytes_per_record"] = Number(row.AllocatedPerRecord),
            ["counters"] = new JsonObject
            {
                ["source"] = measured.Length > 0 ? "eventpipe" : row.Samples.FirstOrDefault()?.CountersSource,
                ["runs"] = measured.Length,
                ["allocated_mb"] = measured.Length > 0 ? Number(Stats.Median(measured.Select(s => s.ProcessAllocatedBytes!.Value / 1e6).ToArray())) : null,
                ["gen0"] = measured.Length > 0 ? Number(Stats.Median(measured.Select(s => (double)s.ProcessGen0!.Value).ToArray())) : null,
                ["cpu_ms"] = measured.Length > 0 ? Number(Stats.Median(measured.Select(s => s.CpuMilliseconds!.Value).ToArray())) : null,
            },
            ["baseline"] = Comparison(baseline),
            ["vs"] = Comparison(vs),
        };
        return o.ToJsonString();
    }

    /// <summary>The last line: counts, floors, files written and the exit code.</summary>
    public static string Summary(SuiteReport report, IEnumerable<RowComparison> comparisons, string? saved, string? markdown, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(comparisons);
        var verdicts = comparisons.Select(c => c.Verdict).ToArray();
        int Count(RowStatus s) => report.Rows.Count(r => r.Status == s);
        var o = new JsonObject
        {
            ["type"] = "summary",
            ["command"] = report.Command,
            ["size"] = report.Size,
            ["commit"] = report.Host.Commit,
            ["rows"] = report.Rows.Count,
            ["ok"] = Count(RowStatus.Ok),
            ["skipped"] = Count(RowStatus.Skipped),
            ["failed"] = Count(RowStatus.Failed),
            ["hung"] = Count(RowStatus.Hung),
            ["regressions"] = verdicts.Count(v => v == Verdict.Regression),
            ["improvements"] = verdicts.Count(v => v == Verdict.Improvement),
            ["calibration"] = new JsonObject
            {
                ["cache_line_ns"] = Number(report.Calibration.CacheLineRoundTripNs),
                ["socket_ns"] = Number(report.Calibration.SocketRoundTripNs),
                ["overloaded"] = report.Calibration.Overloaded,
            },
            ["saved"] = saved,
            ["markdown"] = markdown,
            ["exit_code"] = exitCode,
        };
        return o.ToJsonString();
    }

    private static JsonObject? Comparison(RowComparison? c) => c is null ? null : new JsonObject
    {
        ["ratio"] = Number(c.Ratio),
        ["band_low"] = Number(c.BandLow),
        ["band_high"] = Number(c.BandHigh),
        ["verdict"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Verdict.ToString()),
        ["note"] = c.Note,
    };

    private static JsonValue? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
