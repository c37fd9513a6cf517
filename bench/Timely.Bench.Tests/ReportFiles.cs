using Timely.Bench.Suite;
using Timely.Testing;

namespace Timely.Bench.Tests;

/// <summary>Synthetic reports and a per-test temp folder.</summary>
internal static class ReportFiles
{
    public static RowResult Row(string id, params double[] ms) => new()
    {
        Id = id,
        Label = id.Split(' ')[0],
        Configuration = "-w 1",
        Build = "this",
        Samples = ms.Select(m => new RunSample { Milliseconds = m, WallMilliseconds = m + 50, Records = 1000, JsonAllocatedBytes = 64, CountersSource = "off (test)" }).ToList(),
    };

    public static SuiteReport Report(params RowResult[] rows) => new()
    {
        Command = "suite --quick",
        Size = "quick",
        Host = HostInfo.Current(null),
        Calibration = new CalibrationResult { CacheLineRoundTripNs = 150, SocketRoundTripNs = 20000 },
        Rows = rows.ToList(),
    };

    /// <summary>The built <c>timely</c> beside these tests (dotnet timely.dll).</summary>
    public static TimelyExecutable Timely => TimelyExecutable.FromPath(TimelyDll.Path);

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "timely-suite-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
