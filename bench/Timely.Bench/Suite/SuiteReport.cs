using System.Text.Json;

namespace Timely.Bench.Suite;

/// <summary>A whole suite run as saved by --save and read by --baseline.</summary>
public sealed class SuiteReport
{
    /// <summary>The format tag; a file without it is not a suite result.</summary>
    public const string CurrentFormat = "timely-suite/1";

    public string Format { get; init; } = CurrentFormat;

    /// <summary>The suite's own command line (after <c>timely</c>).</summary>
    public string Command { get; init; } = "";

    /// <summary>full, quick or smoke.</summary>
    public string Size { get; init; } = "";

    public HostInfo Host { get; init; } = new();

    public CalibrationResult Calibration { get; init; } = new();

    /// <summary>The other build's path in an A/B run, else empty.</summary>
    public string Vs { get; init; } = "";

    public List<RowResult> Rows { get; init; } = [];

    /// <summary>The folder of Rust timely's examples of a <c>--rust</c> run, else empty.</summary>
    public string Rust { get; init; } = "";

    /// <summary>The rows compared with Rust (<c>--rust</c>), else none.</summary>
    public List<RustRowResult> RustRows { get; init; } = [];

    /// <summary>Writes the report as indented JSON; refuses (<see cref="OverloadedHostException"/>) a run whose floors show an overloaded host.</summary>
    public void Save(string path)
    {
        if (Calibration.Overloaded is { } overloaded)
        {
            throw new OverloadedHostException($"not saving {path}: {overloaded}; a baseline from this run would be noise.");
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, SuiteReportJson.Default.SuiteReport));
    }

    /// <summary>Reads a saved report; every way it can be unusable is a <see cref="BaselineException"/> naming the file.</summary>
    public static SuiteReport Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new BaselineException($"baseline {path}: no such file (write one with `timely suite --save {path}`).");
        }

        SuiteReport? report;
        try
        {
            string text = File.ReadAllText(path);
            using (var doc = JsonDocument.Parse(text))
            {
                // Checked on the raw document: a missing "format" must not pass as the default.
                if (doc.RootElement.ValueKind != JsonValueKind.Object
                    || !doc.RootElement.TryGetProperty("format", out var format)
                    || format.ValueKind != JsonValueKind.String
                    || format.GetString() != CurrentFormat)
                {
                    throw new BaselineException($"baseline {path}: not a suite result (no \"format\": \"{CurrentFormat}\").");
                }
            }

            report = JsonSerializer.Deserialize(text, SuiteReportJson.Default.SuiteReport);
        }
        catch (JsonException e)
        {
            throw new BaselineException($"baseline {path}: not valid suite JSON ({e.Message}).", e);
        }

        if (report is null)
        {
            throw new BaselineException($"baseline {path}: not a suite result (null).");
        }

        if (report.Calibration.Overloaded is { } overloaded)
        {
            throw new BaselineException($"baseline {path}: recorded on an overloaded host ({overloaded}); its timings are no reference: save a new one on a quiet host.");
        }

        if (report.Rows.Count == 0)
        {
            throw new BaselineException($"baseline {path}: has no rows.");
        }

        return report;
    }
}
